import CUchardet

/// uchardet (Mozilla's universal charset detector, as Debian ships it): its answer for some
/// bytes, by its own names (`WINDOWS-1251`, `ISO-8859-2`, `GB18030`, `SHIFT_JIS`, `UTF-8`,
/// `ASCII`, or empty when it has none).
enum Uchardet {
    /// Feeds `lines` (each without its terminator; a line feed is added after each) and returns
    /// the answer. The detector is made and freed here: nothing is kept between calls.
    static func detect(lines: [ArraySlice<UInt8>]) -> String {
        guard let ud = uchardet_new() else { return "" }
        defer { uchardet_delete(ud) }
        let newline: [CChar] = [0x0A]
        for line in lines {
            line.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, raw.count > 0 else { return }
                _ = uchardet_handle_data(ud, base.assumingMemoryBound(to: CChar.self), raw.count)
            }
            _ = newline.withUnsafeBufferPointer { uchardet_handle_data(ud, $0.baseAddress, 1) }
        }
        uchardet_data_end(ud)
        guard let name = uchardet_get_charset(ud) else { return "" }
        return String(cString: name)
    }
}
