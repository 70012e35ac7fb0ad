import CEdgeShims
#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap memory back to the kernel after a burst. glibc keeps what connections freed
/// (it trims only the top of each arena), so after a storm of 1 000 TLS handshakes the
/// resident size stays near the peak although a tenth of it is in use. Called from the main
/// thread every few seconds; it trims only when the resident size grew by `growthTrigger`
/// since the last trim, so a steady load is not made to fault its pages back in.
public struct HeapShrinker {
    /// Resident growth (bytes) since the last trim that makes the next check trim.
    public var growthTrigger: Int
    private var residentAfterLastTrim: Int

    public init(growthTrigger: Int = 8 << 20) {
        self.growthTrigger = growthTrigger
        residentAfterLastTrim = HeapShrinker.residentBytes()
    }

    /// Trims if the process grew enough since the last trim. Returns the bytes released.
    @discardableResult
    public mutating func check() -> Int {
        let resident = HeapShrinker.residentBytes()
        if resident < residentAfterLastTrim {
            residentAfterLastTrim = resident  // memory came back by itself: new baseline
            return 0
        }
        guard resident - residentAfterLastTrim >= growthTrigger else { return 0 }
        _ = cedge_malloc_trim(0)
        let after = HeapShrinker.residentBytes()
        residentAfterLastTrim = after
        return max(0, resident - after)
    }

    /// The process's resident set size, from /proc/self/statm (0 where it cannot be read).
    public static func residentBytes() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var text = [UInt8](repeating: 0, count: 128)
        let count = text.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 0 }
        // "size resident shared text lib data dt", in pages.
        let fields = text[..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1 else { return 0 }
        var pages = 0
        for digit in fields[1] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return 0 }
            pages = pages * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
