// Package ui is the LanIM desktop app (Fyne).
//
// Layout, as in supersonic: one Controller (controller.go) talks to the node through the Backend
// interface (backend.go) and keeps the app's state; screens are split by page (onboarding,
// conversations, chat, contacts, groups, profile, office), each building its widgets and calling
// the controller; bubble.go renders messages. The small shared widgets are in ui/widgets and the
// theme, colour names and icons in ui/style: they only render and need no controller (DESIGN.md).
//
// Threading: every Backend call runs off the UI goroutine (run, call, try in controller.go), and
// its answer, like every push from the node (Controller.pump), comes back through Options.Post,
// which is fyne.Do in the app. So widgets are only touched on Fyne's goroutine, nothing blocks on
// the network, and a test can run the same updates on its own goroutine (harness_test.go).
// Answers that belong to an earlier session (the user signed out meanwhile) are dropped.
//
// Backend: ClientBackend is the node through node/client (REST and the msg gateway's WebSocket,
// redialled when it drops). The screen tests run it against a real node started in the test
// (office_test.go), and `lanim --demo` against the embedded node with a sample office (app/demo.go).
package ui
