package ui

import (
	"testing"
	"time"
)

// ioregHID is `ioreg -c IOHIDSystem` as macOS prints it (trimmed): HIDIdleTime in nanoseconds.
const ioregHID = `+-o Root  <class IORegistryEntry, id 0x100000100, retain 34>
  +-o MacBookPro18,3  <class IOPlatformExpertDevice, id 0x100000110, registered, matched, active, busy 0 (61463 ms), retain 42>
    +-o IOResources  <class IOResources, id 0x100000111, registered, matched, active, busy 0 (0 ms), retain 240>
      +-o IOHIDSystem  <class IOHIDSystem, id 0x1000004c1, registered, matched, active, busy 0 (0 ms), retain 22>
          {
            "IOClass" = "IOHIDSystem"
            "HIDParameters" = {"HIDClickTime"=500000000,"HIDKeyRepeat"=83333333}
            "HIDIdleTime" = 754212083
            "IOProviderClass" = "IOResources"
          }
`

// ioregRoot is the console users line of ` + "`ioreg -n Root -d1`" + `, locked and not.
const ioregRootLocked = `+-o Root  <class IORegistryEntry, id 0x100000100, retain 34>
    {
      "IOKitBuildVersion" = "Darwin Kernel Version 23.4.0"
      "IOConsoleUsers" = ({"kCGSSessionOnConsoleKey"=Yes,"kSCSecuritySessionID"=100016,"kCGSSessionUserNameKey"="ann","CGSSessionScreenIsLocked"=Yes,"kCGSessionLoginDoneKey"=Yes})
      "IORegistryPlanes" = {"IODeviceTree"="IODeviceTree","IOService"="IOService"}
    }
`

func TestParseIoreg(t *testing.T) {
	d, ok := parseHIDIdle(ioregHID)
	if !ok || d != 754212083*time.Nanosecond {
		t.Fatalf("HIDIdleTime: %v %v", d, ok)
	}
	if _, ok := parseHIDIdle("ioreg: no such class"); ok {
		t.Fatal("an idle time read from nothing")
	}
	if !parseConsoleLocked(ioregRootLocked) {
		t.Fatal("the locked console not seen")
	}
	unlocked := `      "IOConsoleUsers" = ({"kCGSSessionOnConsoleKey"=Yes,"kCGSSessionUserNameKey"="ann","kCGSessionLoginDoneKey"=Yes})`
	if parseConsoleLocked(unlocked) || parseConsoleLocked("") {
		t.Fatal("an unlocked console read as locked")
	}
}

func TestIdleFromTicks(t *testing.T) {
	if d := idleFromTicks(90_000, 30_000); d != time.Minute {
		t.Fatalf("%v", d)
	}
	// GetTickCount wrapped (49.7 days) between the last input and now.
	if d := idleFromTicks(1_000, 0xFFFFFFFF-58_999); d != time.Minute {
		t.Fatalf("across the wrap: %v", d)
	}
}
