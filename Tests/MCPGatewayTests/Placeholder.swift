import XCTest
@testable import MCPGateway
