import CEdgeShims
#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap memory back to the kernel after a burst. glibc keeps what connections freed
/// (it trims only the top of each arena), so after a storm of 1 000 TLS handshakes the
/// resident size stays near the peak although a fraction of it is in use.
///
/// Called from the main thread every few seconds. It watches the slack: resident bytes not
/// explained by heap bytes in use. Under steady load the slack stays put and nothing happens;
/// when a burst ends, in-use bytes fall while resident bytes do not, and once the slack has
/// grown by `growthTrigger` since the last trim, `malloc_trim` hands the free pages back.
public struct HeapShrinker {
    /// Slack growth (bytes) since the last trim that makes the next check trim.
    public var growthTrigger: Int
    private var slackAfterLastTrim: Int

    public init(growthTrigger: Int = 8 << 20) {
        self.growthTrigger = growthTrigger
        slackAfterLastTrim = HeapShrinker.slack()
    }

    /// Trims if the slack grew enough since the last trim. Returns the resident bytes released.
    @discardableResult
    public mutating func check() -> Int {
        let slack = HeapShrinker.slack()
        if slack < slackAfterLastTrim {
            slackAfterLastTrim = slack  // memory came back by itself, or moved into use
            return 0
        }
        guard slack - slackAfterLastTrim >= growthTrigger else { return 0 }
        let before = HeapShrinker.residentBytes()
        _ = cedge_malloc_trim(0)
        slackAfterLastTrim = HeapShrinker.slack()
        return max(0, before - HeapShrinker.residentBytes())
    }

    /// Resident bytes minus heap bytes in use.
    static func slack() -> Int {
        residentBytes() - Int(cedge_malloc_in_use())
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
