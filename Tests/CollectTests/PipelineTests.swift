@testable import Collect
import Foundation
import LogRecord
import Parsers
import Testing

/// A byte source in memory, as a class (the read-ahead thread takes a reference), that can fail
/// after a given number of chunks and counts how many it handed out.
final class ScriptedSource: ByteSource, @unchecked Sendable {
    private var chunks: [[UInt8]]
    private let failAfter: Int?
    private(set) var handedOut = 0

    init(_ text: String, chunkSize: Int, failAfter: Int? = nil) {
        let bytes = Array(text.utf8)
        chunks = stride(from: 0, to: bytes.count, by: chunkSize).map { Array(bytes[$0..<min($0 + chunkSize, bytes.count)]) }
        self.failAfter = failAfter
    }

    struct Failure: Error {}

    func nextChunk() throws -> ByteChunk? {
        if let failAfter, handedOut == failAfter { throw Failure() }
        guard handedOut < chunks.count else { return nil }
        handedOut += 1
        return ByteChunk(bytes: chunks[handedOut - 1])
    }
}

@Suite("Read-ahead lines")
struct ReadAheadLinesTests {
    static let text = (1...20_000).map { "11/1/2026 12:00:\(String(format: "%02d", $0 % 60)) AM line \($0)\r\n" }.joined()

    /// Every line, in order and numbered, in batches of at most `batchLines`; the decoder's facts
    /// come back with them.
    @Test func allLinesInOrder() throws {
        let source = ScriptedSource(Self.text, chunkSize: 70_001)
        let ahead = ReadAheadLines(source)
        defer { ahead.finish() }
        var numbers: [Int] = []
        while let batch = try ahead.nextLines() {
            #expect(!batch.isEmpty && batch.count <= ReadAheadLines.batchLines)
            for line in batch {
                numbers.append(line.number ?? -1)
                #expect(line.text.hasSuffix(" line \(line.number ?? -1)"))
            }
        }
        #expect(numbers == Array(1...20_000))
        #expect(ahead.decoder.encodingDescription.lowercased().contains("utf-8"))
    }

    /// A read error on the reading thread reaches the parser, after the lines read before it.
    @Test func readErrorReachesTheParser() throws {
        let source = ScriptedSource(Self.text, chunkSize: 10_000, failAfter: 5)
        let ahead = ReadAheadLines(source)
        defer { ahead.finish() }
        var lines = 0
        let error = #expect(throws: ScriptedSource.Failure.self) {
            while let batch = try ahead.nextLines() { lines += batch.count }
        }
        #expect(error != nil)
        // Every line wholly in the five chunks read before the failure came first.
        let before = Array(Self.text.utf8.prefix(5 * 10_000)).filter { $0 == 0x0A }.count
        #expect(before > 0 && lines == before, "\(lines) lines before the error, \(before) were read")
        #expect(try ahead.nextLines() == nil, "nothing after the error")
    }

    /// A parser that stops early releases the reading thread: `finish` returns and the source is
    /// not read to its end. The reader is held by the queue, not by timing: it reads at most the
    /// batches the queue holds (`depth`), the one taken, and the one it waits to put (a 4 KiB
    /// chunk is one batch of lines), plus one chunk of a line across a chunk end.
    @Test func stoppingEarlyReleasesTheReader() throws {
        let big = String(repeating: Self.text, count: 20)
        let source = ScriptedSource(big, chunkSize: 4_096)
        let ahead = ReadAheadLines(source)
        _ = try ahead.nextLines()
        ahead.finish()
        #expect(source.handedOut <= ReadAheadLines.depth + 3, "the reader stopped (\(source.handedOut) chunks read)")
    }

    /// Parsing from the read-ahead thread gives the records and stats of parsing the bytes directly.
    @Test func sameRecordsAsParsingBytes() throws {
        let context = ParseContext(sourcePath: "Logs/AMTError.log", hostName: "SRV", zone: .utc)
        let direct = try TextParsing.parse(bytes: Array(Self.text.utf8), context: context, chunkSize: 65_536)
        let ahead = ReadAheadLines(ScriptedSource(Self.text, chunkSize: 65_536))
        defer { ahead.finish() }
        var lines: ReadAheadLines = ahead
        var records: [Record] = []
        let stats = try TextParsing.parse(lines: &lines, context: context) { records.append($0) }
        #expect(records == direct.records)
        #expect(stats == direct.stats)
        #expect(records.count == 20_000)
    }
}

@Suite("Bounded queue")
struct BoundedQueueTests {
    /// Items pass between threads in order; closing lets the consumer drain and then stop.
    @Test func itemsPassInOrderThenCloseDrains() {
        let queue = BoundedQueue<Int>(capacity: 8)
        let producer = Worker(name: "test-producer") {
            for i in 0..<10_000 { queue.put(i) }
            queue.close()
        }
        var taken: [Int] = []
        while let i = queue.take() { taken.append(i) }
        producer.wait()
        #expect(taken == Array(0..<10_000))
    }

    /// Semaphores a queue's `willWait` hook signals: one per side, once each time that side waits.
    final class Waits: @unchecked Sendable {
        let producer = DispatchSemaphore(value: 0)
        let consumer = DispatchSemaphore(value: 0)

        func hook() -> @Sendable (Bool) -> Void {
            { [self] isProducer in (isProducer ? producer : consumer).signal() }
        }

        /// Waits until the side has begun to wait (10 s at most, for a broken queue).
        static func began(_ s: DispatchSemaphore) -> Bool { s.wait(timeout: .now() + 10) == .success }
    }

    /// Woken at one item, a waiting consumer gets a lone item at once (by default it would wait for
    /// half the capacity, or for the close); woken at one free place, a producer blocked on a full
    /// queue goes on after a single take. The hook makes sure each side really waits before the
    /// other acts.
    @Test func wakeAtOneHandsOverSingleItems() {
        let queue = BoundedQueue<Int>(capacity: 8, wakeConsumerAt: 1, wakeProducerAt: 1)
        let waits = Waits()
        queue.willWait = waits.hook()
        let tookFirst = DispatchSemaphore(value: 0)
        let consumer = Worker(name: "test-consumer") {
            guard queue.take() == 0 else { return }
            tookFirst.signal()
        }
        #expect(Waits.began(waits.consumer), "the consumer did not wait on the empty queue")
        queue.put(0)
        #expect(tookFirst.wait(timeout: .now() + 10) == .success, "a lone item did not wake the consumer")
        consumer.wait()

        for i in 1...8 { queue.put(i) }   // full
        let putNinth = DispatchSemaphore(value: 0)
        let producer = Worker(name: "test-producer") {
            queue.put(9)
            putNinth.signal()
        }
        #expect(Waits.began(waits.producer), "the producer did not wait on the full queue")
        #expect(queue.take() == 1)
        #expect(putNinth.wait(timeout: .now() + 10) == .success, "one free place did not wake the producer")
        producer.wait()
        queue.close()
        var rest: [Int] = []
        while let i = queue.take() { rest.append(i) }
        #expect(rest == Array(2...9))
    }

    /// By default a consumer waiting on the empty queue is woken once half the capacity is
    /// queued (without a close), and takes the items in order.
    @Test func defaultWakeHandsOverHalfARun() {
        let queue = BoundedQueue<Int>(capacity: 8)
        let waits = Waits()
        queue.willWait = waits.hook()
        let taken = Box()
        let took = DispatchSemaphore(value: 0)
        let consumer = Worker(name: "test-consumer") {
            while let i = queue.take() {
                taken.append(i)
                took.signal()
            }
        }
        #expect(Waits.began(waits.consumer), "the consumer did not wait on the empty queue")
        for i in 0..<4 { queue.put(i) }
        for k in 0..<4 {
            #expect(took.wait(timeout: .now() + 10) == .success, "half the capacity queued, item \(k) not taken")
        }
        queue.close()
        consumer.wait()
        #expect(taken.items == [0, 1, 2, 3])
    }

    /// Closing releases a producer blocked on a full queue (its item is dropped, and every later
    /// one): the two items queued before stay.
    @Test func closeReleasesABlockedProducer() {
        let queue = BoundedQueue<Int>(capacity: 2)
        let waits = Waits()
        queue.willWait = waits.hook()
        let producer = Worker(name: "test-producer") {
            for i in 0..<100 { queue.put(i) }
        }
        #expect(Waits.began(waits.producer), "the producer did not block on the full queue")
        queue.close()
        producer.wait()
        var left: [Int] = []
        while let i = queue.take() { left.append(i) }
        #expect(left == [0, 1])
    }

    /// Items a consumer appends on its thread, read after it ended.
    final class Box: @unchecked Sendable {
        private(set) var items: [Int] = []
        func append(_ i: Int) { items.append(i) }
    }
}
