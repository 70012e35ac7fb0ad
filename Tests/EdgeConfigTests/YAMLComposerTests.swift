import XCTest
@testable import EdgeConfig

/// The libyaml-based composer: what the configuration decoder relies on it for.
final class YAMLComposerTests: XCTestCase {
    private func compose(_ text: String) throws -> YAMLNode? {
        try YAMLComposer.compose(text)
    }

    private func composeError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> YAMLError? {
        do {
            _ = try YAMLComposer.compose(text)
            XCTFail("expected an error for:\n\(text)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testScalarsKeepTheirTextStyleAndPosition() throws {
        let root = try XCTUnwrap(compose("a: 8\nb: 'yes'\nc:\n  - \"x y\"\n  - |\n    two\n    lines\n"))
        guard case .mapping(let mapping) = root else { return XCTFail("expected a mapping, got \(root)") }
        let pairs = mapping.pairs
        XCTAssertEqual(pairs.count, 3)
        guard case .scalar(let eight) = pairs[0].value, case .scalar(let yes) = pairs[1].value else {
            return XCTFail("expected scalars")
        }
        XCTAssertEqual(eight.string, "8")
        XCTAssertEqual(eight.style, .plain)
        XCTAssertEqual(eight.mark, YAMLMark(line: 1, column: 4))
        XCTAssertEqual(yes.string, "yes")
        XCTAssertEqual(yes.style, .singleQuoted)
        let items = pairs[2].value.sequenceItems
        XCTAssertEqual(items.count, 2)
        guard case .scalar(let quoted) = items[0], case .scalar(let literal) = items[1] else {
            return XCTFail("expected scalars in the list")
        }
        XCTAssertEqual(quoted.string, "x y")
        XCTAssertEqual(quoted.style, .doubleQuoted)
        XCTAssertEqual(literal.string, "two\nlines\n")
        XCTAssertEqual(literal.mark, YAMLMark(line: 5, column: 5))
    }

    func testAnAliasIsACopyOfItsAnchoredNode() throws {
        let root = try XCTUnwrap(compose("base: &t {certificate: a.pem, key: b.pem}\nother: *t\n"))
        guard case .mapping(let mapping) = root,
              case .mapping(let base) = mapping.pairs[0].value,
              case .mapping(let other) = mapping.pairs[1].value else { return XCTFail("expected mappings") }
        XCTAssertTrue(base.flow)
        XCTAssertEqual(other.pairs.count, 2)
        guard case .scalar(let key) = other.pairs[1].value else { return XCTFail("expected a scalar") }
        XCTAssertEqual(key.string, "b.pem")
    }

    func testDuplicateKeyIsReportedAtTheSecondOccurrence() {
        let error = composeError("tls:\n  key: a\n  key: b\n")
        XCTAssertEqual(error?.mark, YAMLMark(line: 3, column: 3))
        XCTAssertEqual(error?.isSyntaxError, false)
        XCTAssertTrue(error?.problem.contains("duplicate key \"key\"") ?? false, "\(String(describing: error))")
    }

    /// 10 000 nested flow lists in 20 KB overflowed the stack (SIGSEGV in `mcp-edge check`).
    func testDeepFlowNestingIsALocatedErrorNotACrash() {
        let error = composeError(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))
        XCTAssertEqual(error?.mark, YAMLMark(line: 1, column: 257))
        XCTAssertEqual(error?.isSyntaxError, false)
        XCTAssertTrue(error?.problem.hasPrefix("nesting deeper than 256 levels") ?? false, "\(String(describing: error))")
        let mappings = composeError(String(repeating: "{a: ", count: 5_000) + String(repeating: "}", count: 5_000))
        XCTAssertEqual(mappings?.mark, YAMLMark(line: 1, column: 1 + 4 * 256))
    }

    func testNestingUpToTheLimitIsAccepted() throws {
        XCTAssertNotNil(try compose(String(repeating: "[", count: 256) + String(repeating: "]", count: 256)))
        XCTAssertNotNil(composeError(String(repeating: "[", count: 257) + String(repeating: "]", count: 257)))
    }

    func testDeepBlockNestingIsALocatedError() {
        // "- - - x": each "- " opens a block list inside the one before.
        let error = composeError(String(repeating: "- ", count: 300) + "x\n")
        XCTAssertEqual(error?.mark, YAMLMark(line: 1, column: 1 + 2 * 256))
        var lines = ""
        for level in 0..<300 { lines += String(repeating: " ", count: level) + "k:\n" }
        XCTAssertEqual(composeError(lines)?.mark.line, 257)
    }

    func testAliasesCannotNestBeyondTheLimit() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let error = composeError("a: &deep \(deep)\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*deep]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n")
        XCTAssertEqual(error?.mark.line, 2)
        XCTAssertTrue(error?.problem.hasPrefix("nesting deeper than 256 levels") ?? false, "\(String(describing: error))")
    }

    func testBillionLaughsIsBounded() {
        var yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let error = composeError(yaml)
        XCTAssertEqual(error?.mark.line, 5, "the aliases up to l4 add 10×(11 + 111 + 1 111 + 11 111) nodes, over 100 000")
        XCTAssertTrue(error?.problem.hasPrefix("aliases expand to more than 100000 nodes") ?? false, "\(String(describing: error))")
    }

    func testModestAliasUseIsAccepted() throws {
        var yaml = "base: &b {url: http://127.0.0.1:9000/mcp, timeout: 5s}\nservers:\n"
        for i in 0..<1000 { yaml += "  s\(i): *b\n" }
        XCTAssertNotNil(try compose(yaml))
    }

    func testUndefinedAliasAndSecondDocumentAreErrors() {
        XCTAssertTrue(composeError("a: *nowhere\n")?.problem.contains("undefined alias") ?? false)
        let second = composeError("a: 1\n---\nb: 2\n")
        XCTAssertEqual(second?.mark.line, 2)
        XCTAssertTrue(second?.problem.contains("single document") ?? false)
    }

    func testSyntaxErrorsCarryLibyamlPositionAndContext() {
        let error = composeError("a: [1, 2\nb: 3\n")
        XCTAssertEqual(error?.isSyntaxError, true)
        XCTAssertEqual(error?.context?.mark, YAMLMark(line: 1, column: 4))
        XCTAssertFalse(error?.problem.isEmpty ?? true)
    }

    func testControlCharacterIsAReaderErrorOnItsLine() {
        let error = composeError("a: 1\nb: \u{7}\n")
        XCTAssertEqual(error?.isSyntaxError, true)
        XCTAssertEqual(error?.mark.line, 2)
    }

    func testEmptyTextHasNoDocument() throws {
        XCTAssertNil(try compose(""))
        XCTAssertNil(try compose("# only a comment\n"))
    }

    func testWriterQuotesWhatWouldReadBackDifferently() throws {
        let tree: YAMLNode = .mapping(.init(pairs: [
            ("name", .scalar(.init(string: "a: b # c", style: .plain, mark: .generated))),
            ("list", .sequence(.init(items: ["h2", "http/1.1"], mark: .generated, flow: true))),
        ], mark: .generated))
        let text = YAMLTextWriter.write(tree)
        let again = try XCTUnwrap(compose(text))
        guard case .mapping(let mapping) = again, case .scalar(let name) = mapping.pairs[0].value else {
            return XCTFail("expected a mapping, got:\n\(text)")
        }
        XCTAssertEqual(name.string, "a: b # c")
        XCTAssertEqual(mapping.pairs[1].value.sequenceItems.count, 2)
        XCTAssertTrue(text.contains("[h2, http/1.1]"), text)
    }
}
