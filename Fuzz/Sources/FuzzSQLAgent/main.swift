import FuzzSupport
import LogRecord

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: count)
    Surface.text(input, Dataset.sqlAgent)
    return 0
}
