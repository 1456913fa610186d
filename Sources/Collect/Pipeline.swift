import CodePages
import Foundation
import LogRecord
import Parsers

/// A bounded first-in first-out queue between two threads: `put` waits while it is full, `take`
/// waits while it is empty, and returns `nil` once the queue is closed and drained.
///
/// A waiting side is woken only once enough is there for a run of work: by default at half
/// capacity (an empty queue's consumer once it holds half, a full queue's producer once half is
/// free), so that two threads hand over work in runs instead of waking each other for every item
/// (per-item wake-ups made the scheduler bounce the stages between cores). The side that limits a
/// run is better woken at once (`wakeConsumerAt: 1` or `wakeProducerAt: 1`): every moment it
/// waits for a run to gather is lost to the whole pipeline.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    /// One condition serves both sides: the producer waits only when the queue is full and the
    /// consumer only when it is empty, so they never wait at the same time.
    private let condition = NSCondition()
    private var items: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var consumerWaiting = false
    private var producerWaiting = false
    private let capacity: Int
    /// A waiting consumer is woken once this many items are queued.
    private let consumerWake: Int
    /// A waiting producer is woken once this many places are free.
    private let producerWake: Int
    /// Tests only: called with the lock held just before a side waits (`true`: `put` on a full
    /// queue, `false`: `take` on an empty one). The waiting side releases the lock only inside
    /// the wait, so a thread told of it that then calls `put`, `take` or `close` runs after the
    /// wait began. Set before the queue is shared.
    var willWait: (@Sendable (_ producer: Bool) -> Void)?

    /// - Parameters:
    ///   - wakeConsumerAt: items queued that wake a waiting `take` (default: half the capacity).
    ///   - wakeProducerAt: free places that wake a waiting `put` (default: half the capacity).
    init(capacity: Int, wakeConsumerAt: Int? = nil, wakeProducerAt: Int? = nil) {
        self.capacity = max(1, capacity)
        let half = max(1, self.capacity / 2)
        self.consumerWake = min(self.capacity, max(1, wakeConsumerAt ?? half))
        self.producerWake = min(self.capacity, max(1, wakeProducerAt ?? half))
        self.items = Array(repeating: nil, count: self.capacity)
    }

    /// Whether `close` was called (a failed consumer closes the queue to stop the producer).
    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    func put(_ item: consuming Element) {
        condition.lock()
        defer { condition.unlock() }
        while count == capacity && !closed {
            producerWaiting = true
            willWait?(true)
            condition.wait()
        }
        guard !closed else { return }
        items[(head + count) % capacity] = item
        count += 1
        if consumerWaiting && count >= consumerWake {
            consumerWaiting = false
            condition.broadcast()
        }
    }

    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        if count == 0 {
            while count < consumerWake && !closed {
                consumerWaiting = true
                willWait?(false)
                condition.wait()
            }
        }
        guard count > 0 else { return nil }
        let item = items[head]
        items[head] = nil
        head = (head + 1) % capacity
        count -= 1
        if producerWaiting && count <= capacity - producerWake {
            producerWaiting = false
            condition.broadcast()
        }
        return item
    }

    /// No more items will be put; a `take` on an empty closed queue returns `nil`. Items already
    /// queued can still be taken. Closing also releases a producer blocked in `put` (its item is
    /// dropped), which is how a failed consumer stops the producer.
    func close() {
        condition.lock()
        closed = true
        consumerWaiting = false
        producerWaiting = false
        condition.broadcast()
        condition.unlock()
    }
}

/// Runs `body` on a new thread and lets the caller wait for it and take what it returned (a
/// stage that owns a value, such as the findings engine, hands it back this way).
final class Worker<Result: Sendable>: @unchecked Sendable {
    private let done = NSCondition()
    /// Set once, by the worker's thread under `done`; read after `finished` under `done`.
    private var result: Result?

    init(name: String, _ body: @escaping @Sendable () -> Result) {
        let thread = Thread { [self] in
            let value = body()
            done.lock()
            result = value
            done.broadcast()
            done.unlock()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits until `body` has returned; returns what it returned (every call the same).
    @discardableResult
    func wait() -> Result {
        done.lock()
        defer { done.unlock() }
        while result == nil { done.wait() }
        return result!
    }
}

/// A text source read, redacted, copied and decoded into lines on its own thread, a few batches
/// of lines ahead of its parser: the reading stage (the `TeeSource`: the raw copy and its
/// compression) and the line decoding run beside the parsing of the lines already decoded,
/// instead of taking turns with it on the parse stage's thread, which is the stage that limits a
/// run.
///
/// `finish()` must be called once the parser is done (also when it stopped early); after it, the
/// tee is no longer used and its state (bytes read, truncation) can be read.
final class ReadAheadLines: LineBatchSource {
    private enum Item: @unchecked Sendable {
        case lines([TextLine])
        case failed(any Error)
    }

    /// Batches decoded ahead at most, and lines per batch: a chunk's lines are handed over in
    /// batches of at most `batchLines`, so that the lines waiting (a few hundred KiB to a few MiB)
    /// and not a few chunks' worth of strings add to the run's memory. A chunk's lines come in a
    /// burst after it was read, redacted and compressed: 16 batches ahead keep the parser fed
    /// through that (with 8 it waited for lines about 120 times a run on the bench site, 0.2 s).
    static let depth = 16
    static let batchLines = 1024
    /// The parser, the stage that limits a run, is woken as soon as a batch is there, and the
    /// reader as soon as there is room for one.
    private let queue = BoundedQueue<Item>(capacity: ReadAheadLines.depth, wakeConsumerAt: 1, wakeProducerAt: 1)
    private let finished = FinishedDecoder()
    private var worker: Worker<Void>?
    private var ended = false

    /// Where the reading thread leaves its decoder at the end; read only after that thread ended.
    private final class FinishedDecoder: @unchecked Sendable {
        var decoder = LineDecoder()
    }

    init(_ source: some ByteSource & AnyObject & SendableMetatype, maxLineBytes: Int = 1 << 20, codePagePrior: CodePage? = nil) {
        let queue = self.queue
        let box = UncheckedBox(source)
        let finished = self.finished
        worker = Worker(name: "amt-read") {
            var lines = DecodingLineSource(box.value, maxLineBytes: maxLineBytes, codePagePrior: codePagePrior)
            do {
                while !queue.isClosed, let batch = try lines.nextLines() {
                    if batch.count <= ReadAheadLines.batchLines {
                        queue.put(.lines(batch))
                        continue
                    }
                    var start = 0
                    while start < batch.count {
                        let end = min(start + ReadAheadLines.batchLines, batch.count)
                        queue.put(.lines(Array(batch[start..<end])))
                        start = end
                    }
                }
            } catch {
                queue.put(.failed(error))
            }
            finished.decoder = lines.decoder
            queue.close()
        }
    }

    func nextLines() throws -> [TextLine]? {
        guard !ended, let item = queue.take() else {
            ended = true
            return nil
        }
        switch item {
        case .lines(let lines):
            return lines
        case .failed(let error):
            ended = true
            throw error
        }
    }

    /// The decoder as the reading thread left it (waits for that thread).
    var decoder: LineDecoder {
        finish()
        return finished.decoder
    }

    /// Stops the reading thread if it still runs and waits for it.
    func finish() {
        queue.close()
        worker?.wait()
        worker = nil
    }

    deinit { finish() }
}

/// Hands a non-`Sendable` value to exactly one other thread, which alone uses it until the
/// handing thread waits for that thread to end.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
