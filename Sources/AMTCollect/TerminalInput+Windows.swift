#if os(Windows)
import WinSDK

/// A line from the console with echo turned off (console input mode).
enum TerminalInput {
    static func readHidden(prompt: String) -> String? {
        Console.writeErr(prompt)
        let handle = GetStdHandle(STD_INPUT_HANDLE)
        var mode: DWORD = 0
        let haveConsole = GetConsoleMode(handle, &mode)
        if haveConsole { _ = SetConsoleMode(handle, mode & ~DWORD(ENABLE_ECHO_INPUT)) }
        defer {
            if haveConsole { _ = SetConsoleMode(handle, mode) }
            Console.writeErr("\n")
        }
        return readLine(strippingNewline: true)
    }
}
#endif
