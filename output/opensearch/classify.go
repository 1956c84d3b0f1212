package opensearch

// outcome is what happened to one document in one attempt.
type outcome int

const (
	outIndexed   outcome = iota
	outDuplicate         // create answered 409: already delivered
	outRefused           // the document itself was refused: dead-letter it
	outRetry             // the cluster cannot take it now: send it again later
	outGiveUp            // not the document's fault and not going away by itself (credentials, permissions)
)

// transientTypes are error types that say nothing about the document: the
// cluster cannot take writes right now. The value is the metric label.
//
// A cluster_block_exception comes as 403 (index.blocks.write, read_only,
// maintenance: FORBIDDEN/8, FORBIDDEN/5) or as 429 (the flood-stage disk
// watermark's read_only_allow_delete: TOO_MANY_REQUESTS/12); both lift
// without anything changing in the document.
var transientTypes = map[string]string{
	"cluster_block_exception":                  "blocked",
	"es_rejected_execution_exception":          "throttled",
	"rejected_execution_exception":             "throttled",
	"circuit_breaking_exception":               "throttled",
	"unavailable_shards_exception":             "unavailable",
	"no_shard_available_action_exception":      "unavailable",
	"primary_missing_action_exception":         "unavailable",
	"shard_not_found_exception":                "unavailable",
	"index_not_found_exception":                "unavailable",
	"node_not_connected_exception":             "unavailable",
	"node_disconnected_exception":              "unavailable",
	"node_closed_exception":                    "unavailable",
	"connect_transport_exception":              "unavailable",
	"not_master_exception":                     "unavailable",
	"cluster_manager_not_discovered_exception": "unavailable",
	"master_not_discovered_exception":          "unavailable",
	"process_cluster_event_timeout_exception":  "timeout",
	"receive_timeout_transport_exception":      "timeout",
	"timeout_exception":                        "timeout",
	"opensearch_timeout_exception":             "timeout",
	"elasticsearch_timeout_exception":          "timeout",
}

// classify says what a refusal means, by its error type first and its
// status second: the HTTP class alone misleads (a write block is a 403, a
// full disk a 429, yet neither is the document's fault). label names the
// transient fault for metrics and readiness; it is empty otherwise.
//
// Only document-level refusals are permanent: mapper_parsing_exception,
// strict_dynamic_mapping_exception, illegal_argument_exception and the
// other 4xx answers about the document itself. A 409 on create means the
// document is already there; a 409 of any other action is a real conflict.
func classify(action string, status int, errType string) (o outcome, label string) {
	switch {
	case status >= 200 && status < 300:
		return outIndexed, ""
	case status == 409 && action == "create" && (errType == "" || errType == "version_conflict_engine_exception"):
		return outDuplicate, ""
	}
	if l, ok := transientTypes[errType]; ok {
		return outRetry, l
	}
	switch {
	case status == 429:
		return outRetry, "throttled"
	case status == 408:
		return outRetry, "timeout"
	case status >= 500:
		return outRetry, "unavailable"
	case status == 401 || status == 403:
		return outGiveUp, "forbidden"
	case status == 404 && action == "":
		return outGiveUp, "not_found" // a whole request: wrong URL or path prefix
	case status == 413 && action == "":
		return outGiveUp, "too_large"
	case action == "":
		return outGiveUp, "refused" // a whole request refused: no document is at fault
	case status == 404:
		return outRetry, "unavailable"
	}
	return outRefused, ""
}
