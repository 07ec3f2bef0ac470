import Testing

@testable import Varlink

/// The bounds on refusals under a flood: answered refusals at most 32 at once, logged refusals
/// at most one a second with the count of those not logged.
@Suite struct RefusalGateTests {
    @Test func atMost32RefusalsAreAnsweredAtOnce() {
        let gate = RefusalGate()
        let taken = (0..<100).filter { _ in gate.beginAnswer() }.count
        #expect(taken == RefusalGate.maximumAnswering)
        gate.endAnswer()
        #expect(gate.beginAnswer(), "a place given back is taken again")
        #expect(!gate.beginAnswer())
    }

    @Test func oneRefusalASecondIsLoggedWithTheCountLeftOut() {
        let gate = RefusalGate()
        let start = ContinuousClock.now
        #expect(gate.noteRefusal(now: start) == 0)
        for step in 1...9 { #expect(gate.noteRefusal(now: start + .milliseconds(step * 100)) == nil) }
        #expect(gate.noteRefusal(now: start + .milliseconds(1000)) == 9)
        #expect(gate.noteRefusal(now: start + .milliseconds(1500)) == nil)
        #expect(gate.noteRefusal(now: start + .milliseconds(2100)) == 1)
    }
}
