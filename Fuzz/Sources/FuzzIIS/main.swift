import FuzzSupport

/// IIS W3C and HTTPERR logs: the first byte picks the parser (even: `iis.w3c`, odd:
/// `iis.httperr`), the rest is the file, split as `Surface.text` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data + 1, count: count - 1)
    Surface.text(input, data[0] & 1 == 0 ? "iis.w3c" : "iis.httperr")
    return 0
}
