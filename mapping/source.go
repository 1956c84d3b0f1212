package mapping

// Source describes the IP address that sent mail, as reported, plus what
// enrichment learnt about it. It is shared by aggregate and failure documents.
type Source struct {
	// Address is the source as written when it is not an IP address (ECS
	// source.address); IP is then absent.
	Address    string  `json:"address,omitempty"`
	IP         string  `json:"ip,omitempty"`
	Domain     string  `json:"domain,omitempty"`      // PTR name
	BaseDomain string  `json:"base_domain,omitempty"` // registered domain of the PTR name (ICANN PSL)
	Geo        *Geo    `json:"geo,omitempty"`
	AS         *AS     `json:"as,omitempty"`
	Sender     *Sender `json:"sender,omitempty"`
}

// Geo follows ECS source.geo.*.
type Geo struct {
	CountryISOCode string    `json:"country_iso_code,omitempty"`
	CountryName    string    `json:"country_name,omitempty"`
	RegionName     string    `json:"region_name,omitempty"`
	CityName       string    `json:"city_name,omitempty"`
	Location       *GeoPoint `json:"location,omitempty"`
}

// GeoPoint is written as {"lat":..,"lon":..}, which a geo_point field accepts.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// AS follows ECS source.as.*.
type AS struct {
	Number       uint32        `json:"number,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
}

// Organization is ECS as.organization.
type Organization struct {
	Name string `json:"name,omitempty"`
}

// Sender is the named sending service from the sender catalogue.
type Sender struct {
	Name string `json:"name,omitempty"` // e.g. "Google Workspace"
	Type string `json:"type,omitempty"` // e.g. "email_provider", "esp", "marketing", "forwarder", "isp"
	// MatchedBy says which signal identified the sender: "ptr", "asn" or "dkim".
	MatchedBy string `json:"matched_by,omitempty"`
}
