import Collector
import Foundation
import SystemPackage

/// File arguments with wildcards expanded here, because Windows shells pass `part*of3.zip` as
/// written. Only the last component may hold `*`, `?` or `[…]`; an argument that names an
/// existing file, or matches nothing, is kept as it is (and reported by the command).
enum ArgumentFiles {
    static func expand(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for arg in arguments {
            let path = FilePath(arg)
            guard !FileManager.default.fileExists(atPath: arg), let last = path.lastComponent?.string,
                  last.contains(where: { "*?[".contains($0) }), let glob = try? Glob(last)
            else {
                out.append(arg)
                continue
            }
            let parent = path.removingLastComponent()
            let dir = parent.isEmpty ? "." : parent.string
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { glob.matches($0) }.sorted()
            if names.isEmpty {
                out.append(arg)
            } else {
                out += names.map { parent.isEmpty ? $0 : parent.appending($0).string }
            }
        }
        return out
    }
}
