// Package widgets holds the small widgets the screens share: styled text, avatars, badges,
// surfaces and cards, tap areas and layouts. They only render: data comes in through
// constructors and setters, actions go out through callbacks, and none of them knows the
// controller (an avatar gets its pictures through the Pictures interface).
package widgets
