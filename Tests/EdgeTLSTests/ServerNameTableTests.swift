@testable import EdgeTLS
import XCTest

final class ServerNameTableTests: XCTestCase {
    private let table = ServerNameTable(names: [
        ["localhost", "127.0.0.1"],
        ["other.test", "*.wild.test"],
        ["exact.wild.test"],
    ])

    func testExactNamesIgnoreCaseAndTrailingDot() {
        XCTAssertEqual(table.certificate(for: "localhost"), 0)
        XCTAssertEqual(table.certificate(for: "OTHER.Test"), 1)
        XCTAssertEqual(table.certificate(for: "other.test."), 1)
    }

    func testWildcardCoversExactlyOneLabel() {
        XCTAssertEqual(table.certificate(for: "a.wild.test"), 1)
        XCTAssertNil(table.certificate(for: "wild.test"))
        XCTAssertNil(table.certificate(for: "a.b.wild.test"))
        XCTAssertNil(table.certificate(for: ".wild.test"))
    }

    func testExactNameBeatsWildcard() {
        XCTAssertEqual(table.certificate(for: "exact.wild.test"), 2)
    }

    func testUnknownOrEmptyNamesMatchNothing() {
        XCTAssertNil(table.certificate(for: "example.com"))
        XCTAssertNil(table.certificate(for: ""))
        XCTAssertNil(table.certificate(for: "."))
    }
}
