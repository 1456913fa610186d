import Foundation

/// A bounded first-in first-out queue between two threads: `put` waits while it is full, `take`
/// waits while it is empty, and returns `nil` once the queue is closed and drained.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Whether `close` was called (a failed consumer closes the queue to stop the producer).
    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    func put(_ item: Element) {
        condition.lock()
        while items.count >= capacity && !closed { condition.wait() }
        if !closed { items.append(item) }
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// No more items will be put; a `take` on an empty closed queue returns `nil`. Items already
    /// queued can still be taken. Closing also releases a producer blocked in `put` (its item is
    /// dropped), which is how a failed consumer stops the producer.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Runs `body` on a new thread and lets the caller wait for it.
final class Worker: @unchecked Sendable {
    private let done = NSCondition()
    private var finished = false

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            body()
            done.lock()
            finished = true
            done.broadcast()
            done.unlock()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    func wait() {
        done.lock()
        while !finished { done.wait() }
        done.unlock()
    }
}
