//! Reading the HTML pages icp writes (`icp report`, `icp diff --format
//! html`) in tests: an outline for snapshots, and the check that a page
//! fetches and runs nothing.

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A chart as one line: its title and what it draws.
fn chart_line(svg: &str) -> String {
    let title = svg
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(t, _)| decode(t))
        .unwrap_or_default();
    let cells = svg.matches("<rect class=\"cell").count();
    format!(
        "[chart \"{title}\": {} bars, {} points, {} markers{}]",
        svg.matches("<rect class=\"bar").count(),
        svg.matches("<circle class=\"point").count(),
        svg.matches("class=\"marker\"").count(),
        if cells > 0 {
            format!(", {cells} cells")
        } else {
            String::new()
        }
    )
}

/// The page as a reader skims it: headings, captions, table rows (cells
/// split by `|`) and one line per chart; the style sheet left out.
pub fn outline(html: &str) -> String {
    let (head, rest) = html.split_once("<style>").expect("a style sheet");
    let (_, body) = rest.split_once("</style>").expect("the style sheet ends");
    let mut text = String::from(head);
    let mut body = body.to_string();
    while let Some(start) = body.find("<svg") {
        let end = body[start..].find("</svg>").expect("the chart ends") + start + 6;
        let line = chart_line(&body[start..end]);
        body.replace_range(start..end, &format!("\n{line}\n"));
    }
    text.push_str(&body);
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("a tag ends") + lt;
        let tag = &rest[lt + 1..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "section" if !tag.starts_with('/') => {
                let id = tag.split('"').nth(1).unwrap_or("");
                out.push_str(&format!("\n== section {id}\n"));
            }
            "td" | "th" if !tag.starts_with('/') => out.push_str(" | "),
            "dd" if !tag.starts_with('/') => out.push_str(": "),
            "li" if !tag.starts_with('/') => out.push_str("\n- "),
            "h1" | "h2" | "h3" | "p" | "tr" | "dt" | "table" | "figure" | "div" | "ol"
            | "header" | "title" => out.push('\n'),
            _ => {}
        }
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    decode(&out)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Every tag of the page as written between `<` and `>` (escaped text
/// has no `<`, so these are exactly the markup).
pub fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .filter_map(|t| t.split_once('>').map(|(tag, _)| tag))
        .collect()
}

const ALLOWED_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2",
    "h3", "p", "dl", "dt", "dd", "code", "span", "section", "figure", "svg", "g", "rect", "text",
    "line", "polyline", "circle", "path", "table", "thead", "tbody", "tr", "th", "td", "div", "ol",
    "li",
];

/// The page fetches nothing and runs nothing: only known tags, no
/// attribute that loads or runs anything, and a style sheet without
/// addresses.
pub fn assert_self_contained(html: &str) {
    for tag in tags(html) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_lowercase();
        assert!(
            ALLOWED_TAGS.contains(&name.as_str()),
            "unexpected tag <{tag}>"
        );
        let lower = tag.to_lowercase();
        for bad in ["src=", "href=", "url(", "javascript:", "style="] {
            assert!(!lower.contains(bad), "<{tag}> has `{bad}`");
        }
        for (i, _) in lower.match_indices(" on") {
            let after: String = lower[i + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            assert!(
                !lower[i + 3 + after.len()..].starts_with('='),
                "<{tag}> has an event handler"
            );
        }
        // The one address is the SVG namespace: a name, not a request.
        if lower.contains("http") {
            assert!(
                lower.contains("xmlns=\"http://www.w3.org/2000/svg\""),
                "<{tag}>"
            );
            assert_eq!(lower.matches("http").count(), 1, "<{tag}>");
        }
    }
    let style = html
        .split_once("<style>")
        .and_then(|(_, r)| r.split_once("</style>"))
        .map(|(s, _)| s)
        .unwrap_or("");
    for bad in ["url(", "@import", "http", "@font-face"] {
        assert!(!style.contains(bad), "the style sheet has `{bad}`");
    }
    assert_eq!(html.matches("<style>").count(), 1);
}
