//! A browser without JavaScript for the page tests over plain HTTP: it keeps cookies, does not
//! follow redirects (so that tests see them), posts forms and files, and reads hidden fields.

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::TestApp;

/// What a request answered: status, headers, body.
pub type Answer = (StatusCode, HeaderMap, String);

pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            base: app.base.clone(),
        }
    }

    /// Keeps the cookies a response set (for requests made without [`Browser`]'s methods).
    pub fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A path on the app, or a whole URL as it is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn finish(&mut self, r: reqwest::Response) -> Answer {
        let (s, h) = (r.status(), r.headers().clone());
        self.keep(&h);
        (s, h, r.text().await.unwrap())
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let r = self
            .http
            .get(self.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Posts a file as the `file` field of a multipart form, with the CSRF token.
    pub async fn upload(&mut self, path: &str, csrf: &str, bytes: Vec<u8>) -> Answer {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg"),
            );
        let r = self
            .http
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }
}

/// The value of the hidden field `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// Where a redirect goes.
pub fn location(h: &HeaderMap) -> String {
    h[LOCATION].to_str().unwrap().to_owned()
}
