import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed pool of worker threads, sized to the cores, that runs data-parallel kernels.
///
/// The threads are created once; a kernel hands them a batch of numbered tasks and they claim task numbers from a
/// shared atomic counter, the calling thread included, so no thread is created per operation and uneven tasks
/// balance themselves. Between batches a worker spins briefly (a decode step issues a few hundred batches), then
/// yields, then sleeps on a condition variable, so an idle pool costs no CPU.
public final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool: `VEIL_THREADS` threads if set, otherwise one per active core.
    public static let shared: WorkerPool = {
        let requested = ProcessInfo.processInfo.environment["VEIL_THREADS"].flatMap { Int($0) }
        return WorkerPool(threadCount: requested ?? ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The number of threads that run tasks, the caller included.
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let checkedIn = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let condition = NSCondition()
    private let dispatchLock = NSLock()
    private var sleepers = 0
    // Written by the dispatching thread before `generation` is released and read by workers after acquiring it.
    private var taskCount = 0
    private var body: ((Int) -> Void)?

    /// Creates a pool that runs tasks on `threadCount` threads (the caller and `threadCount - 1` workers).
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        for index in 1..<self.threadCount {
            // Workers keep the pool alive: a pool lives as long as the process (create a few, not one per request).
            let thread = Thread { self.workerLoop() }
            thread.name = "veil-kernel-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `body(0..<count)` across the pool and returns when every task has finished.
    ///
    /// Tasks must be independent: they may run in any order and on any thread. Calls are serialised; a task must
    /// not call `parallelFor` itself.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if threadCount == 1 || count == 1 {
            for index in 0..<count { body(index) }
            return
        }
        dispatchLock.lock()
        defer { dispatchLock.unlock() }
        withoutActuallyEscaping(body) { escapable in
            self.body = escapable
            taskCount = count
            nextTask.store(0, ordering: .relaxed)
            checkedIn.store(0, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            condition.lock()
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
            runTasks()
            var spins = 0
            while checkedIn.load(ordering: .acquiring) < threadCount - 1 {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            self.body = nil
        }
    }

    private func runTasks() {
        guard let body else { return }
        let count = taskCount
        while true {
            let index = nextTask.add(1, ordering: .relaxed).oldValue
            if index >= count { break }
            body(index)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > 200_000 {
                    condition.lock()
                    sleepers += 1
                    while generation.load(ordering: .acquiring) == seen { condition.wait() }
                    sleepers -= 1
                    condition.unlock()
                    spins = 0
                } else if spins > 20_000 {
                    sched_yield()
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            runTasks()
            checkedIn.add(1, ordering: .releasing)
        }
    }
}
