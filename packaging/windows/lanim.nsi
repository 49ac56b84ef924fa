; LanIM's Windows installer, built on Linux by scripts/package-windows-installer.sh with Debian's makensis:
;   makensis -DVERSION=1.2.3 -DVERSION4=1.2.3.0 -DEXE=/abs/LanIM.exe -DICON=/abs/lanim.ico
;            -DLICENCES=/abs/licences.txt -DOUTFILE=/abs/LanIM-1.2.3-setup.exe lanim.nsi
; Per user, no admin rights: it installs into %LOCALAPPDATA%\Programs\LanIM, adds a Start-menu entry,
; registers its uninstaller under HKCU (Apps & features) and, if chosen, starts LanIM at sign-in (HKCU Run).
; Only when it runs elevated does it add a Windows Firewall rule for the office port (docs/gui.md says what
; happens without). Silent: setup.exe /S [/AUTOSTART=0] [/D=DIR]; uninstall.exe /S. The user's data
; (%APPDATA%\lanim) is never touched, so upgrades and uninstalls keep it.

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
ManifestDPIAware true

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"

!define PRODUCT "LanIM"
!define APP_EXE "LanIM.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\LanIM"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
; The app's default office port (--cluster-addr :10003), the one port other computers dial.
!define OFFICE_PORT 10003
!define FIREWALL_RULE "LanIM office port"

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${PRODUCT} ${VERSION} setup"
VIAddVersionKey "LegalCopyright" "the LanIM authors"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${PRODUCT} now"

!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; WAIT_NOT_RUNNING asks the user to quit LanIM while its program file is in use (open for writing fails),
; and aborts when they cancel (a silent run cancels at once).
!macro WAIT_NOT_RUNNING outcome
	${If} ${FileExists} "$INSTDIR\${APP_EXE}"
	retry:
		ClearErrors
		FileOpen $0 "$INSTDIR\${APP_EXE}" a
		${If} ${Errors}
			MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${PRODUCT} is running. Quit it (close its window), then press Retry." \
				/SD IDCANCEL IDRETRY retry
			Abort "${PRODUCT} is running; ${outcome}."
		${EndIf}
		FileClose $0
	${EndIf}
!macroend

Section "${PRODUCT} (Start-menu entry, uninstaller)" SecApp
	SectionIn RO
	SetOutPath "$INSTDIR"
	; An upgrade cannot replace the program while it runs.
	!insertmacro WAIT_NOT_RUNNING "nothing was changed"
	File "/oname=${APP_EXE}" "${EXE}"
	File "/oname=lanim.ico" "${ICON}"
	File "/oname=licences.txt" "${LICENCES}"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	CreateShortCut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\lanim.ico" 0

	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "the LanIM authors"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\lanim.ico"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

	; Without this rule Windows asks on the first listen on the office port, and only an administrator
	; can allow it; so the rule is added only when this setup runs elevated.
	Call IsElevated
	Pop $0
	${If} $0 == 1
		nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="${FIREWALL_RULE}"'
		Pop $1
		nsExec::ExecToLog 'netsh advfirewall firewall add rule name="${FIREWALL_RULE}" dir=in action=allow protocol=TCP localport=${OFFICE_PORT} program="$INSTDIR\${APP_EXE}" profile=domain,private'
		Pop $1
		DetailPrint "Firewall rule for TCP ${OFFICE_PORT}: netsh exit code $1"
	${Else}
		DetailPrint "Not elevated: no firewall rule; Windows asks when ${PRODUCT} first opens the office port ${OFFICE_PORT}."
	${EndIf}
SectionEnd

; The office works while most of its computers run LanIM, so this is on by default.
Section "Start ${PRODUCT} when I sign in" SecAutostart
	WriteRegStr HKCU "${RUN_KEY}" "${PRODUCT}" '"$INSTDIR\${APP_EXE}"'
SectionEnd

Function .onInit
	; /AUTOSTART=0 on the command line (for silent installs) leaves sign-in start off.
	${GetParameters} $0
	ClearErrors
	${GetOptions} $0 "/AUTOSTART=" $1
	${IfNot} ${Errors}
	${AndIf} $1 == 0
		!insertmacro UnselectSection ${SecAutostart}
	${EndIf}
FunctionEnd

; An upgrade run without the sign-in option must not leave an older Run entry behind.
Function .onInstSuccess
	${IfNot} ${SectionIsSelected} ${SecAutostart}
		DeleteRegValue HKCU "${RUN_KEY}" "${PRODUCT}"
	${EndIf}
FunctionEnd

Section "Uninstall"
	!insertmacro WAIT_NOT_RUNNING "nothing was removed"
	Delete "$SMPROGRAMS\${PRODUCT}.lnk"
	Delete "$INSTDIR\${APP_EXE}"
	Delete "$INSTDIR\lanim.ico"
	Delete "$INSTDIR\licences.txt"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	DeleteRegValue HKCU "${RUN_KEY}" "${PRODUCT}"
	DeleteRegKey HKCU "${UNINSTALL_KEY}"
	Call un.IsElevated
	Pop $0
	${If} $0 == 1
		nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="${FIREWALL_RULE}"'
		Pop $1
	${EndIf}
	DetailPrint "Your ${PRODUCT} data in $APPDATA\lanim is kept."
SectionEnd

!macro IS_ELEVATED un
; Pushes 1 when this process runs with administrator rights (an elevated token), else 0.
Function ${un}IsElevated
	UserInfo::GetAccountType
	Pop $0
	${If} $0 == "Admin"
		Push 1
	${Else}
		Push 0
	${EndIf}
FunctionEnd
!macroend
!insertmacro IS_ELEVATED ""
!insertmacro IS_ELEVATED "un."
