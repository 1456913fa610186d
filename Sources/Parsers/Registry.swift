/// Every registered text format parser, in detection order (first of equal scores wins).
/// Add a parser here, one line each.
var registeredTextFormats: [any TextFormatParser.Type] {
    [
        AMTErrorParser.self,
        MSILogParser.self,
        SQLErrorlogParser.self,
        SQLSetupParser.self,
        SetupapiParser.self,
        InstallShieldParser.self,
        DPInstParser.self,
        IISW3CParser.self,
        IISHTTPErrParser.self,
        WERParser.self,
        SQLAgentParser.self,
        CBSParser.self,
        DISMParser.self,
        WindowsUpdateParser.self,
    ]
}
