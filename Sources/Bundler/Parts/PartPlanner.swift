/// Decides which part holds which file (or which byte range of a file) when a bundle must be split.
///
/// Pure arithmetic on estimates: each item says how many bytes it takes in an archive
/// (`packedBytes`, compressed data plus headers). Items are placed in priority order (lower
/// first, ties in the order given), each into the first part with room ("first fit"), so part 1
/// fills with the most important files. An item larger than a whole part is cut into segments of
/// consecutive parts, sized from the item's own compression ratio. Deterministic: the same
/// input gives the same plan.
public struct PartPlanner: Sendable {
    /// One file of the bundle.
    public struct Item: Sendable, Equatable {
        /// Path inside the bundle folder.
        public var path: String
        /// Uncompressed bytes.
        public var bytes: Int64
        /// Estimated bytes it takes in a part (compressed data and its headers).
        public var packedBytes: Int64
        /// 0 goes first.
        public var priority: Int

        public init(path: String, bytes: Int64, packedBytes: Int64, priority: Int) {
            self.path = path
            self.bytes = bytes
            self.packedBytes = packedBytes
            self.priority = priority
        }
    }

    /// A piece of the plan: a whole file, or the byte range of one segment.
    public struct Piece: Sendable, Equatable {
        public var path: String
        /// Segment number (1-based), `nil` for a whole file.
        public var segment: Int?
        public var offset: Int64
        public var length: Int64
    }

    public struct Plan: Sendable, Equatable {
        /// Pieces per part, in the order they go in; `parts[0]` is part 1.
        public var parts: [[Piece]]
        /// Estimated bytes used per part.
        public var used: [Int64]
    }

    /// Bytes each part may hold (its budget without the manifest and archive trailer).
    public var capacity: Int64
    /// Header bytes a new entry (a segment) costs besides its data.
    public var entryOverhead: Int64
    /// A segment is not started in a part with less room than this fraction of `capacity`.
    public var minimumSegmentFraction: Double = 0.125

    public init(capacity: Int64, entryOverhead: Int64) {
        self.capacity = capacity
        self.entryOverhead = entryOverhead
    }

    /// Places every item.
    /// - Throws: `PartLayout.Problem` when `capacity` cannot hold even one small segment.
    public func plan(_ items: [Item]) throws -> Plan {
        guard capacity > entryOverhead + 1024 else {
            throw PartLayout.Problem("a part of \(capacity) bytes has no room for data after headers and manifest")
        }
        var parts: [[Piece]] = []
        var used: [Int64] = []
        let ordered = items.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
        for (_, item) in ordered {
            if item.packedBytes <= capacity {
                if let k = used.firstIndex(where: { $0 + item.packedBytes <= capacity }) {
                    parts[k].append(Piece(path: item.path, segment: nil, offset: 0, length: item.bytes))
                    used[k] += item.packedBytes
                } else {
                    parts.append([Piece(path: item.path, segment: nil, offset: 0, length: item.bytes)])
                    used.append(item.packedBytes)
                }
                continue
            }
            // Too large for one part: segments in consecutive parts, the first in the last part
            // when that has a useful amount of room.
            let dataPacked = max(1, item.packedBytes - entryOverhead)
            let ratio = Double(dataPacked) / Double(max(1, item.bytes))
            var offset: Int64 = 0
            var number = 0
            var k: Int
            if let last = used.indices.last, Double(capacity - used[last]) >= Double(capacity) * minimumSegmentFraction {
                k = last
            } else {
                parts.append([])
                used.append(0)
                k = parts.count - 1
            }
            while offset < item.bytes {
                let room = capacity - used[k] - entryOverhead
                var length = Int64(Double(max(0, room)) / ratio)
                length = max(4096, min(length, item.bytes - offset))
                number += 1
                parts[k].append(Piece(path: item.path, segment: number, offset: offset, length: length))
                used[k] += entryOverhead + Int64((Double(length) * ratio).rounded(.up))
                offset += length
                if offset < item.bytes {
                    parts.append([])
                    used.append(0)
                    k = parts.count - 1
                }
            }
        }
        if parts.isEmpty {
            parts = [[]]
            used = [0]
        }
        return Plan(parts: parts, used: used)
    }
}
