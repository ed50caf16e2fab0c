//! A minimal typst World: one main source (the theme's report template), one data file
//! (the report as JSON), and the fonts loaded once per build. No file system, no packages,
//! no clock: everything a PDF depends on is passed in, so output is deterministic.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Fonts and the standard library, shared by every report of a build.
pub struct Shared {
    pub library: LazyHash<Library>,
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
}

impl Shared {
    pub fn new(fonts: Vec<Font>) -> Self {
        Shared {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    }
}

fn id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("static path is valid"),
    )
    .intern()
}

/// One report's compilation.
pub struct ReportWorld<'a> {
    shared: &'a Shared,
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl<'a> ReportWorld<'a> {
    pub fn new(shared: &'a Shared, template: &str, data_json: Vec<u8>) -> Self {
        ReportWorld {
            shared,
            main: Source::new(id("report.typ"), template.to_string()),
            data_id: id("data.json"),
            data: Bytes::new(data_json),
        }
    }

    /// The template line of a byte offset, for messages.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.main.text().len());
        self.main.text()[..end].matches('\n').count() + 1
    }
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::new(self.main.text().as_bytes().to_vec()))
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        // documents never depend on the build date
        None
    }
}
