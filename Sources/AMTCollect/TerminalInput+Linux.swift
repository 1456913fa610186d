#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A line from the terminal with echo turned off (POSIX termios).
enum TerminalInput {
    static func readHidden(prompt: String) -> String? {
        Console.writeErr(prompt)
        var saved = termios()
        let haveTerminal = tcgetattr(0, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(0, TCSAFLUSH, &quiet)
        }
        defer {
            if haveTerminal { _ = tcsetattr(0, TCSAFLUSH, &saved) }
            Console.writeErr("\n")
        }
        return readLine(strippingNewline: true)
    }
}
#endif
