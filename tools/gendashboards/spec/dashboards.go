package spec

// Dashboards returns every dashboard, in bundle order.
func Dashboards() []Dashboard {
	return []Dashboard{overview, sources, policyReadiness, authentication, failureDashboard, tlsDashboard}
}
