package aggregate

// node identifies an element by its place in the report. Unknown elements
// (extension, vendor additions, anything new) are nodeUnknown, and so is
// everything inside them.
type node uint8

const (
	nodeUnknown node = iota
	nodeDocument
	// nodeWrapper is an element around or before <feedback> (a stray
	// <xs:schema> a receiver never closed): <feedback> is looked for inside.
	nodeWrapper
	nodeFeedback
	nodeVersion
	nodeMetadata
	nodePolicy
	nodeRecord

	nodeOrgName
	nodeEmail
	nodeExtraContact
	nodeReportID
	nodeDateRange
	nodeBegin
	nodeEnd
	nodeError
	nodeGenerator

	nodePolDomain
	nodePolADKIM
	nodePolASPF
	nodePolP
	nodePolSP
	nodePolNP
	nodePolPct
	nodePolFO
	nodePolTesting
	nodePolDiscovery

	nodeRow
	nodeSourceIP
	nodeCount
	nodePolicyEvaluated
	nodeDisposition
	nodeEvalDKIM
	nodeEvalSPF
	nodeReason
	nodeReasonType
	nodeReasonComment
	nodeIdentifiers
	nodeHeaderFrom
	nodeEnvelopeFrom
	nodeEnvelopeTo
	nodeAuthResults
	nodeAuthDKIM
	nodeAuthSPF
	nodeDKIMDomain
	nodeDKIMSelector
	nodeDKIMResult
	nodeDKIMHuman
	nodeSPFDomain
	nodeSPFScope
	nodeSPFResult
	nodeSPFHuman

	numNodes
)

// isLeaf reports whether the node's text is a value.
func (n node) isLeaf() bool { return leaf[n] }

var leaf = func() (t [numNodes]bool) {
	for n := range t {
		t[n] = true
	}
	for _, n := range []node{nodeUnknown, nodeDocument, nodeWrapper, nodeFeedback, nodeMetadata, nodePolicy,
		nodeRecord, nodeDateRange, nodeRow, nodePolicyEvaluated, nodeReason,
		nodeIdentifiers, nodeAuthResults, nodeAuthDKIM, nodeAuthSPF} {
		t[n] = false
	}
	return t
}()

// child maps an element name (local, lower-cased) under parent to its node.
func child(parent node, name []byte) node {
	switch parent {
	case nodeFeedback:
		switch string(name) {
		case "version":
			return nodeVersion
		case "report_metadata":
			return nodeMetadata
		case "policy_published":
			return nodePolicy
		case "record":
			return nodeRecord
		}
	case nodeMetadata:
		switch string(name) {
		case "org_name":
			return nodeOrgName
		case "email":
			return nodeEmail
		case "extra_contact_info":
			return nodeExtraContact
		case "report_id":
			return nodeReportID
		case "date_range":
			return nodeDateRange
		case "error":
			return nodeError
		case "generator":
			return nodeGenerator
		}
	case nodeDateRange:
		switch string(name) {
		case "begin":
			return nodeBegin
		case "end":
			return nodeEnd
		}
	case nodePolicy:
		return policyChild(name)
	case nodeRecord:
		switch string(name) {
		case "row":
			return nodeRow
		case "identifiers", "identities":
			return nodeIdentifiers
		case "auth_results":
			return nodeAuthResults
		}
	case nodeRow:
		switch string(name) {
		case "source_ip":
			return nodeSourceIP
		case "count":
			return nodeCount
		case "policy_evaluated":
			return nodePolicyEvaluated
		}
	case nodePolicyEvaluated:
		switch string(name) {
		case "disposition":
			return nodeDisposition
		case "dkim":
			return nodeEvalDKIM
		case "spf":
			return nodeEvalSPF
		case "reason":
			return nodeReason
		}
	case nodeReason:
		switch string(name) {
		case "type":
			return nodeReasonType
		case "comment":
			return nodeReasonComment
		}
	case nodeIdentifiers:
		switch string(name) {
		case "header_from":
			return nodeHeaderFrom
		case "envelope_from":
			return nodeEnvelopeFrom
		case "envelope_to":
			return nodeEnvelopeTo
		}
	case nodeAuthResults:
		switch string(name) {
		case "dkim":
			return nodeAuthDKIM
		case "spf":
			return nodeAuthSPF
		}
	case nodeAuthDKIM:
		switch string(name) {
		case "domain":
			return nodeDKIMDomain
		case "selector":
			return nodeDKIMSelector
		case "result":
			return nodeDKIMResult
		case "human_result":
			return nodeDKIMHuman
		}
	case nodeAuthSPF:
		switch string(name) {
		case "domain":
			return nodeSPFDomain
		case "scope":
			return nodeSPFScope
		case "result":
			return nodeSPFResult
		case "human_result":
			return nodeSPFHuman
		}
	}
	return nodeUnknown
}

func policyChild(name []byte) node {
	switch string(name) {
	case "domain":
		return nodePolDomain
	case "adkim":
		return nodePolADKIM
	case "aspf":
		return nodePolASPF
	case "p":
		return nodePolP
	case "sp":
		return nodePolSP
	case "np":
		return nodePolNP
	case "pct":
		return nodePolPct
	case "fo":
		return nodePolFO
	case "testing":
		return nodePolTesting
	case "discovery_method":
		return nodePolDiscovery
	}
	return nodeUnknown
}
