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
/// The threads are created once; a kernel hands them a batch of numbered tasks and every participant, the calling
/// thread included, claims task numbers from a shared atomic counter, so no thread is created per operation and
/// uneven tasks balance themselves. A worker joins a batch only while it is open, with one compare-and-swap on a
/// word holding (batch number, closed flag, participants); the caller finishes when every task is done and no
/// worker is inside the batch, so it never waits for a worker that the OS has not scheduled — important on busy
/// machines. Between batches a worker spins briefly (a decode step issues a few hundred batches), then yields, then
/// sleeps on a condition variable, so an idle pool costs no CPU.
///
/// A pool lives as long as the process: create a few, not one per request.
public final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool: `VEIL_THREADS` threads if set, otherwise one per active core.
    public static let shared: WorkerPool = {
        let requested = ProcessInfo.processInfo.environment["VEIL_THREADS"].flatMap { Int($0) }
        return WorkerPool(threadCount: requested ?? ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// A pool that runs every task on the calling thread.
    public static let serial = WorkerPool(threadCount: 1)

    /// The number of threads that run tasks, the caller included.
    public let threadCount: Int

    // state = batch << 32 | closed << 31 | participants
    private let state = Atomic<UInt64>(1 << 31)
    private let nextTask = Atomic<Int>(0)
    private let doneTasks = Atomic<Int>(0)
    private let condition = NSCondition()
    private let dispatchLock = NSLock()
    private var sleepers = 0
    // Written by the dispatching thread before the batch opens (release) and read by workers after joining it
    // (acquire); not written again until the batch is closed with no participant left.
    private var taskCount = 0
    private var body: ((Int) -> Void)?

    private static let closedBit: UInt64 = 1 << 31
    private static let participantMask: UInt64 = (1 << 31) - 1

    /// Creates a pool that runs tasks on `threadCount` threads (the caller and `threadCount - 1` workers).
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        for index in 1..<self.threadCount {
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
            doneTasks.store(0, ordering: .relaxed)
            let batch = (state.load(ordering: .relaxed) >> 32) &+ 1
            state.store(batch << 32, ordering: .releasing)
            condition.lock()
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
            runTasks()
            // The wait is at most one task long: spin, never yield, or a busy machine takes the CPU for a slice.
            while doneTasks.load(ordering: .acquiring) < count {}
            // Close the batch once no worker is inside it (a worker inside has found no task left or is about to).
            while true {
                let current = state.load(ordering: .acquiring)
                if current & Self.participantMask == 0 {
                    let (exchanged, _) = state.compareExchange(
                        expected: current,
                        desired: current | Self.closedBit,
                        ordering: .acquiringAndReleasing
                    )
                    if exchanged { break }
                }
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
            doneTasks.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen: UInt64 = 0
        var spins = 0
        while true {
            let current = state.load(ordering: .acquiring)
            let batch = current >> 32
            if batch != seen && current & Self.closedBit == 0 {
                let (joined, _) = state.compareExchange(
                    expected: current,
                    desired: current + 1,
                    ordering: .acquiringAndReleasing
                )
                if joined {
                    seen = batch
                    runTasks()
                    state.subtract(1, ordering: .releasing)
                    spins = 0
                }
                continue
            }
            seen = batch
            spins += 1
            if spins > 400_000 {
                condition.lock()
                sleepers += 1
                while state.load(ordering: .acquiring) >> 32 == seen { condition.wait() }
                sleepers -= 1
                condition.unlock()
                spins = 0
            } else if spins > 100_000 {
                sched_yield()
            }
        }
    }
}
