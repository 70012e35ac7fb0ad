import XCTest
@testable import EdgeCrypto
