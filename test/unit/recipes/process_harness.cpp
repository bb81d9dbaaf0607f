// The recipes' live tests need the process harness (test/support/process/), which the
// recipes_test target does not list; until test/Jamfile adds it (or the live tests move to
// integration_test with /coord//coord_recipes), it is compiled here, once, into recipes_test.
#include "test/support/process/http_probe.cpp"
#include "test/support/process/process.cpp"
#include "test/support/process/server_cluster.cpp"
