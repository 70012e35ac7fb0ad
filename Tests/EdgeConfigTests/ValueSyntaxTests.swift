import XCTest
@testable import EdgeConfig
