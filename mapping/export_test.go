package mapping

import "flag"

// Update is the one -update flag of this package's tests (internal and
// external test files share one binary, so it can be defined only once).
var Update = flag.Bool("update", false, "rewrite the golden files")
