package geoip

// Record is what the databases know about one address. Fields come in three
// groups, each filled from a single database: country (code, name), city
// (city, region, location) and AS (number, organisation).
type Record struct {
	CountryISOCode string
	CountryName    string
	RegionName     string
	CityName       string
	HasLocation    bool
	Lat, Lon       float64
	ASN            uint32
	ASOrg          string
}

func (r *Record) hasCountry() bool { return r.CountryISOCode != "" }
func (r *Record) hasCity() bool    { return r.CityName != "" || r.RegionName != "" || r.HasLocation }
func (r *Record) hasAS() bool      { return r.ASN != 0 }

// complete reports whether every group is filled.
func (r *Record) complete() bool { return r.hasCountry() && r.hasCity() && r.hasAS() }

// fill copies each group of src that r lacks.
func (r *Record) fill(src Record) {
	if !r.hasCountry() && src.hasCountry() {
		r.CountryISOCode, r.CountryName = src.CountryISOCode, src.CountryName
	}
	if !r.hasCity() && src.hasCity() {
		r.CityName, r.RegionName = src.CityName, src.RegionName
		r.HasLocation, r.Lat, r.Lon = src.HasLocation, src.Lat, src.Lon
	}
	if !r.hasAS() && src.hasAS() {
		r.ASN, r.ASOrg = src.ASN, src.ASOrg
	}
}

// Empty reports whether nothing is known.
func (r Record) Empty() bool { return !r.hasCountry() && !r.hasCity() && !r.hasAS() }
