//! CSV files for officers' spreadsheets (RFC 4180): fields separated by commas, records by
//! CRLF; a field holding a comma, a double quote, CR or LF is quoted and its quotes doubled.
//! The file starts with a UTF-8 byte order mark, without which Excel reads UTF-8 as the
//! system's code page and garbles Chinese.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula (CSV
//! injection). Text cells that start so get a leading `'`, which spreadsheets show as text;
//! number cells are written as numbers.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// One cell.
pub enum Cell {
    Text(String),
    Number(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map(Into::into).unwrap_or(Cell::Empty)
    }
}

/// A CSV file being written.
pub struct Csv {
    out: String,
    records: usize,
}

impl Default for Csv {
    fn default() -> Csv {
        Csv::new()
    }
}

impl Csv {
    pub fn new() -> Csv {
        Csv {
            out: String::from('\u{feff}'),
            records: 0,
        }
    }

    /// Appends one record.
    pub fn record<I>(&mut self, cells: I)
    where
        I: IntoIterator,
        I::Item: Into<Cell>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            match cell.into() {
                Cell::Empty => {}
                Cell::Number(n) => self.out.push_str(&n.to_string()),
                Cell::Text(s) => self.text(&s),
            }
        }
        self.out.push_str("\r\n");
        self.records += 1;
    }

    fn text(&mut self, s: &str) {
        let neutral = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        if neutral.contains([',', '"', '\r', '\n']) {
            self.out.push('"');
            self.out.push_str(&neutral.replace('"', "\"\""));
            self.out.push('"');
        } else {
            self.out.push_str(&neutral);
        }
    }

    /// Records written so far (the header included).
    pub fn records(&self) -> usize {
        self.records
    }

    pub fn into_string(self) -> String {
        self.out
    }

    /// The file as a download named `filename` (ASCII), never cached.
    pub fn into_response(self, filename: &str) -> Response {
        let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            self.out,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_formulas_are_neutralised() {
        let mut csv = Csv::new();
        csv.record(["a", "b,c", "say \"hi\"", "two\nlines", "上海"]);
        csv.record(vec![
            Cell::Number(-3),
            Cell::Empty,
            "=1+1".into(),
            "-x".into(),
        ]);
        assert_eq!(csv.records(), 2);
        assert_eq!(
            csv.into_string(),
            "\u{feff}a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",上海\r\n-3,,'=1+1,'-x\r\n"
        );
    }
}
