@testable import Collect
import SystemPackage
import Testing

/// Work folders' paths never reach people: messages name the source, or the folder people gave.
@Suite struct WorkFolderTests {
    let out = FilePath("/srv/out dir")

    @Test func scrubReplacesWorkFilesAndTheFolder() {
        let work = out.appending(".amt-work-4711")
        let text = "cannot read \(work)/raw-12: file of 0 bytes; also \(work)/member-3-1, in \(work)"
        #expect(WorkFolder.scrub(text, work: work)
            == "cannot read a work file in /srv/out dir: file of 0 bytes; also a work file in /srv/out dir, in the work folder in /srv/out dir")
        #expect(WorkFolder.scrub("nothing of it here", work: work) == "nothing of it here")
        // Another run's folder with a longer pid is not this one's files.
        #expect(WorkFolder.scrub("\(work)2/raw-1", work: work).hasPrefix("the work folder in"))
    }

    @Test func outputErrorsNameTheOutputFolder() {
        let error = OutputError(path: out.appending(".amt-work-4711/raw-3"), cause: .noSpace)
        #expect(error.description == "cannot write in /srv/out dir: \(Errno.noSpace)")
        #expect(!error.description.contains(".amt-work-"))
        let parse = OutputError(path: FilePath("/tmp/amt-parse-99/member-p-1"), cause: .fileTooLarge)
        #expect(parse.description.hasPrefix("cannot write in /tmp: "))
        // Not in a work folder: the file's folder.
        #expect(OutputError(path: FilePath("/a/b/c"), cause: .noSpace).description.hasPrefix("cannot write in /a/b: "))
    }

    @Test func sourceMessagesNameTheSource() {
        let work = out.appending(".amt-work-1")
        // A source read in place: its path stands; its raw copy's path becomes the source's.
        let direct = SourceStage.shown("\(work)/raw-7: file of 3 bytes is shorter than an EVTX header",
                                       path: FilePath("/site/Windows/System.evtx"), rawPath: work.appending("raw-7"),
                                       work: work, relativePath: "Windows/System.evtx")
        #expect(direct == "/site/Windows/System.evtx: file of 3 bytes is shorter than an EVTX header")
        // A work file (archive member, export): named by its path in the bundle.
        let member = SourceStage.shown("\(work)/member-2-1: cannot read", path: work.appending("member-2-1"),
                                       rawPath: work.appending("raw-2-m0"), work: work, relativePath: "Log.cab.expanded/a.evtx")
        #expect(member == "Log.cab.expanded/a.evtx: cannot read")
    }
}
