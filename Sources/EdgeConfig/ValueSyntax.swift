/// A value that does not parse, with a message that says how to write it instead.
struct ValueError: Error, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

/// The scalar notations the configuration accepts: counts, byte sizes and durations.
/// Pure functions so they are easy to test on their own.
enum ValueSyntax {
    /// Whole numbers, optionally with `_` separators: `10000`, `10_000`.
    static func integer(_ text: String) -> Int? {
        let digits = text.filter { $0 != "_" }
        guard !digits.isEmpty, !text.hasPrefix("_"),
              digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// A byte count: `65536`, `64KiB`, `4MiB`, `1GiB`.
    static func byteSize(_ text: String) -> Result<Int, ValueError> {
        let trimmed = text.trimmingSpaces()
        let numberEnd = trimmed.firstIndex(where: { !($0.isASCII && $0.isNumber) && $0 != "_" }) ?? trimmed.endIndex
        let numberText = String(trimmed[..<numberEnd])
        let unit = trimmed[numberEnd...].trimmingSpaces()
        let multipliers: [String: Int] = ["": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30]
        guard let number = integer(numberText), let multiplier = multipliers[unit] else {
            if trimmed.hasPrefix("-") {
                return .failure(ValueError("must not be negative; got \(text)"))
            }
            let hint = ["KB": "KiB", "kB": "KiB", "K": "KiB", "MB": "MiB", "M": "MiB", "GB": "GiB", "G": "GiB"][unit]
                .map { "; did you mean \(numberText)\($0)? (sizes are binary: 1KiB = 1024 bytes)" } ?? ""
            return .failure(ValueError(
                "\"\(text)\" is not a size; write a byte count like 65536 or 64KiB, 4MiB, 1GiB\(hint)"))
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return .failure(ValueError("\"\(text)\" is too large")) }
        return .success(bytes)
    }

    /// A duration: `500ms`, `10s`, `1.5s`, `5m`, `1h`, or a plain number of seconds (`30`).
    /// Resolution is one millisecond.
    static func duration(_ text: String) -> Result<Duration, ValueError> {
        let trimmed = text.trimmingSpaces()
        let numberEnd = trimmed.firstIndex(where: { !($0.isASCII && $0.isNumber) && $0 != "." }) ?? trimmed.endIndex
        let numberText = String(trimmed[..<numberEnd])
        let unit = trimmed[numberEnd...].trimmingSpaces()
        let millisecondsPerUnit: [String: Double] = ["": 1000, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000]
        guard !numberText.isEmpty, !numberText.hasPrefix("."), !numberText.hasSuffix("."),
              numberText.filter({ $0 == "." }).count <= 1,
              let number = Double(numberText), let scale = millisecondsPerUnit[unit] else {
            if trimmed.hasPrefix("-") {
                return .failure(ValueError("must not be negative; got \(text)"))
            }
            return .failure(ValueError(
                "\"\(text)\" is not a duration; write a number with a unit: 500ms, 10s, 5m, 1h (a plain number means seconds)"))
        }
        let milliseconds = (number * scale).rounded()
        guard milliseconds < Double(Int64.max / 2) else { return .failure(ValueError("\"\(text)\" is too long")) }
        return .success(.milliseconds(Int64(milliseconds)))
    }

    /// The shortest exact way to write `duration` back: `10s`, `5m`, `1500ms`.
    static func format(_ duration: Duration) -> String {
        let milliseconds = milliseconds(duration)
        if milliseconds % 3_600_000 == 0, milliseconds > 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0, milliseconds > 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    /// Levenshtein distance, for "did you mean" suggestions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The closest candidate within an edit distance of 2 (ignoring case), if any.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let scored = candidates.map { ($0, editDistance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
