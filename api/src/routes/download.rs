//! A download as an HTTP answer: the vault says what to send (`Download`),
//! this says how — status, length, entity tag, range, an attachment with an
//! RFC 6266 filename, and headers that keep a user's file from ever running
//! as a page of this origin.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderMap,
};

use crate::vault::download::{Conditions, Download};
use crate::vault::names::content_type;

/// The request's download conditions, read off its headers.
pub fn conditions(headers: &HeaderMap) -> Conditions<'_> {
    let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
    Conditions {
        range: value(header::RANGE),
        if_range: value(header::IF_RANGE),
        if_none_match: value(header::IF_NONE_MATCH),
    }
}

pub fn respond(download: Download) -> HttpResponse {
    let content = match download {
        Download::NotModified { etag } => {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish();
        }
        Download::Content(content) => content,
    };
    let status = match content.range {
        Some(_) => StatusCode::PARTIAL_CONTENT,
        None => StatusCode::OK,
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, inert_type(&content.name)))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&content.name)))
        .insert_header((header::ETAG, content.etag.clone()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // Decrypted bytes never land in a cache (`no-store` is on every /api answer).
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ));
    if let Some((start, end)) = content.range {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{}", content.size),
        ));
    }
    let length = content.len();
    response.no_chunking(length).streaming(content.body)
}

/// The type a download is sent as: its own, unless a browser could run it
/// (HTML, scripts, SVG, XML and the like), which goes as inert bytes. The
/// answer is an attachment in a sandbox anyway; this is one more wall.
pub fn inert_type(name: &str) -> String {
    let guessed = content_type(name);
    let essence = guessed.as_str();
    let active = essence.starts_with("text/html")
        || essence.contains("javascript")
        || essence.contains("ecmascript")
        || essence.contains("xml")
        || essence.starts_with("text/css")
        || essence.starts_with("text/xsl")
        || essence == "application/wasm"
        || essence == "application/pdf"
        || essence == "text/vtt";
    if active {
        "application/octet-stream".to_owned()
    } else {
        guessed
    }
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` — always an
/// attachment: a user's HTML must never render as a page of this origin.
pub fn disposition(name: &str) -> ContentDisposition {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .map(|c| if c == '"' || c == '\\' { '_' } else { c })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_browser_could_run_goes_as_bytes() {
        for active in [
            "page.html",
            "page.htm",
            "page.xhtml",
            "app.js",
            "module.mjs",
            "logo.svg",
            "feed.xml",
            "style.css",
            "transform.xsl",
            "code.wasm",
            "doc.pdf",
        ] {
            assert_eq!(inert_type(active), "application/octet-stream", "{active}");
        }
        assert_eq!(inert_type("photo.jpg"), "image/jpeg");
        assert_eq!(inert_type("notes.txt"), "text/plain");
        assert_eq!(inert_type("song.mp3"), "audio/mpeg");
    }

    #[test]
    fn filenames_have_an_ascii_fallback_and_utf8() {
        let text = disposition("résumé \"final\".pdf").to_string();
        assert!(text.starts_with("attachment"), "{text}");
        assert!(text.contains("filename=\"r_sum_ _final_.pdf\""), "{text}");
        assert!(
            text.contains("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"),
            "{text}"
        );
    }
}
