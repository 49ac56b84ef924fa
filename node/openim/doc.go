// Package openim holds the OpenIM v3.8 protocol facts LanIM speaks: error codes and their names,
// content, session and status numbers, conversation IDs, ID rules and limits, platform IDs. The
// node, the Go client, the desktop app, the benchmarks and the tests all take them from here, so
// each fact is written once. It holds no rules that need state (those live in node/im) and imports
// nothing of LanIM.
package openim
