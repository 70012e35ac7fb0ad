import Glibc
import XCTest
@testable import EdgeIO

final class HeapShrinkerTests: XCTestCase {
    func testResidentSizeIsReadFromProc() {
        let resident = HeapShrinker.residentBytes()
        XCTAssertGreaterThan(resident, 1 << 20, "a Swift test process is bigger than 1 MiB")
        // Touching 32 MiB of fresh pages shows up in the figure. mmap, not malloc: the heap may
        // hand back pages an earlier test freed but which are still resident.
        let size = 32 << 20
        guard let block = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              block != MAP_FAILED else { return XCTFail("mmap failed") }
        defer { munmap(block, size) }
        for page in stride(from: 0, to: size, by: 4096) { block.storeBytes(of: 1, toByteOffset: page, as: UInt8.self) }
        XCTAssertGreaterThan(HeapShrinker.residentBytes(), resident + (24 << 20))
    }

    /// Gives back whatever earlier tests freed, so each test starts from a trimmed heap.
    private func trimNow() {
        var trimmer = HeapShrinker(growthTrigger: 0)
        trimmer.check()
    }

    func testMemoryInUseIsNotSlack() {
        trimNow()
        var shrinker = HeapShrinker(growthTrigger: 8 << 20)
        // 32 MiB allocated and touched, still in use: resident grows, slack does not.
        var chunks: [UnsafeMutableRawPointer] = []
        for _ in 0..<(32 << 20) / (16 << 10) {
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: 16 << 10, alignment: 16)
            for page in stride(from: 0, to: 16 << 10, by: 4096) { chunk.storeBytes(of: 7, toByteOffset: page, as: UInt8.self) }
            chunks.append(chunk)
        }
        XCTAssertEqual(shrinker.check(), 0, "memory in use is not trimmed")
        for chunk in chunks { chunk.deallocate() }
    }

    func testFreedFragmentedHeapIsGivenBackOnlyAfterGrowth() throws {
        // Under make sanitize the sanitizer's allocator replaces glibc's (ASan also quarantines
        // freed blocks): there is no glibc heap for malloc_trim to give back.
        for runtime in ["__asan_init", "__tsan_init"] where dlsym(nil, runtime) != nil {
            throw XCTSkip("\(runtime): glibc's allocator is replaced by the sanitizer's")
        }
        trimNow()
        var shrinker = HeapShrinker(growthTrigger: 8 << 20)
        XCTAssertEqual(shrinker.check(), 0, "nothing grew since the shrinker started")
        // 48 MiB in 16 KiB chunks, every 16th kept: glibc cannot trim the holes by itself.
        var chunks: [UnsafeMutableRawPointer] = []
        for _ in 0..<(48 << 20) / (16 << 10) {
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: 16 << 10, alignment: 16)
            for page in stride(from: 0, to: 16 << 10, by: 4096) { chunk.storeBytes(of: 7, toByteOffset: page, as: UInt8.self) }
            chunks.append(chunk)
        }
        var kept: [UnsafeMutableRawPointer] = []
        for (index, chunk) in chunks.enumerated() {
            if index % 16 == 0 { kept.append(chunk) } else { chunk.deallocate() }
        }
        let before = HeapShrinker.residentBytes()
        let released = shrinker.check()
        XCTAssertGreaterThan(released, 0)
        XCTAssertGreaterThan(released, 16 << 20, "expected most of the freed 45 MiB back")
        XCTAssertLessThan(HeapShrinker.residentBytes(), before - (16 << 20))
        XCTAssertEqual(shrinker.check(), 0, "no new growth, no second trim")
        for chunk in kept { chunk.deallocate() }
    }
}
