import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    Surface.zoneEvidence(UnsafeBufferPointer(start: data, count: count))
    return 0
}
