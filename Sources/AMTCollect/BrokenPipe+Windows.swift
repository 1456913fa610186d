#if os(Windows)
enum BrokenPipe {
    /// Windows has no SIGPIPE: a write to a closed pipe already fails (the C runtime reports EPIPE),
    /// and the checked stdout writer ends on it quietly.
    static func ignoreSignal() {}
}
#endif
