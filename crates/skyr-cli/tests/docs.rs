//! The README and the book (`docs/`) as a reader meets them: every relative link leads to a
//! file (and, for a page, to a heading) that exists, and every `skyr` command line shown
//! parses: each is run with `--help` appended, which makes the binary check the subcommand
//! and every flag given before printing its help.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;
use common::{root, skyr};

/// The pages checked: the README, every page of the book, and the READMEs the book links.
fn pages() -> Vec<PathBuf> {
    let root = root();
    let mut out = vec![root.join("README.md")];
    let mut book: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is the book")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    book.sort();
    out.extend(book);
    out
}

/// A page's lines outside fenced code blocks, and the lines inside them, apart.
fn split_fences(text: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut prose, mut code) = (Vec::new(), Vec::new());
    let mut inside = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if inside {
            code.push(line);
        } else {
            prose.push(line);
        }
    }
    (prose, code)
}

/// `line` without its inline code spans (a link inside backticks is text, not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in line.chars() {
        if c == '`' {
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The targets of Markdown links `[text](target)` in `prose`.
fn link_targets(prose: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            match after.find(')') {
                Some(j) => {
                    out.push(after[..j].to_string());
                    rest = &after[j..];
                }
                None => break,
            }
        }
    }
    out
}

/// The anchors GitHub and mdBook give a page's headings: lower case, spaces to dashes,
/// punctuation other than dashes and underscores dropped.
fn anchors(text: &str) -> BTreeSet<String> {
    let (prose, _) = split_fences(text);
    prose
        .iter()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_relative_link_resolves() {
    let mut checked = 0;
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("a page");
        let (prose, _) = split_fences(&text);
        for target in link_targets(&prose) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                page.clone()
            } else {
                page.parent().expect("a folder").join(path)
            };
            checked += 1;
            if !file.exists() {
                broken.push(format!("{}: {target} (no such file)", page.display()));
                continue;
            }
            if let Some(a) = anchor {
                let heads = anchors(&std::fs::read_to_string(&file).unwrap_or_default());
                if !heads.contains(a) {
                    broken.push(format!("{}: {target} (no such heading)", page.display()));
                }
            }
        }
    }
    println!("relative links checked: {checked}");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked >= 30, "only {checked} relative links found");
}

/// The `skyr` command lines in `code` (fenced blocks): lines starting `skyr ` or `$ skyr `,
/// or `cargo run … -p skyr-cli -- …`, with `\` continuations joined and comments dropped.
fn command_lines(code: &[&str]) -> Vec<String> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in code {
        let line = line.trim();
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        joined.push(std::mem::take(&mut current));
    }
    joined
        .into_iter()
        .filter_map(|l| {
            let l = l.strip_prefix("$ ").unwrap_or(&l).to_string();
            if let Some(rest) = l.strip_prefix("skyr ") {
                Some(rest.to_string())
            } else if l.starts_with("cargo run") && l.contains("-p skyr-cli") {
                l.split_once(" -- ").map(|(_, rest)| rest.to_string())
            } else {
                None
            }
        })
        .collect()
}

/// Shell words of `line`, up to a comment, pipe or `&&`; quotes removed, `$VAR` kept as text.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, '#' | '|' | '&' | ';') if !started => break,
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

#[test]
fn every_skyr_command_line_shown_parses() {
    let mut checked = BTreeSet::new();
    let mut refused = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("a page");
        let (_, code) = split_fences(&text);
        for line in command_lines(&code) {
            let mut args = words(&line);
            if args.is_empty() || !checked.insert(args.join(" ")) {
                continue;
            }
            args.push("--help".into());
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let (status, out, err) = skyr(&argv);
            if status != 0 || !out.contains("Usage:") {
                refused.push(format!(
                    "{}: skyr {line}\n    {}",
                    page.display(),
                    err.trim()
                ));
            }
        }
    }
    println!("skyr command lines checked: {}", checked.len());
    for c in &checked {
        println!("  skyr {c}");
    }
    assert!(
        refused.is_empty(),
        "command lines the binary refuses:\n{}",
        refused.join("\n")
    );
    assert!(
        checked.len() >= 10,
        "only {} command lines found",
        checked.len()
    );
}

#[test]
fn the_readme_fits_a_page_and_the_book_lists_every_chapter() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let lines = readme.lines().count();
    println!("README: {lines} lines");
    assert!(
        lines < 150,
        "the README has {lines} lines; the book holds the rest"
    );
    let summary = std::fs::read_to_string(root().join("docs/SUMMARY.md")).expect("SUMMARY");
    let listed: BTreeSet<String> = link_targets(&summary.lines().collect::<Vec<_>>())
        .into_iter()
        .collect();
    for page in pages().iter().skip(1) {
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name != "SUMMARY.md" {
            assert!(
                listed.contains(name),
                "docs/SUMMARY.md does not list {name}"
            );
        }
    }
    assert!(Path::new(&root().join("docs/book.toml")).is_file());
}

#[test]
fn the_helpers_find_links_anchors_and_commands() {
    let page = "# A title: `x`\n[a](b.md#c-d) `[not](a link)`\n```sh\nskyr exec --vector \"a b\" \\\n  --trace   # note\n$ skyr vectors run x | head\ncargo run --locked -p skyr-cli -- cache info\n```\n";
    let (prose, code) = split_fences(page);
    assert_eq!(link_targets(&prose), vec!["b.md#c-d".to_string()]);
    assert!(anchors(page).contains("a-title-x"));
    let lines = command_lines(&code);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(words(&lines[0]), ["exec", "--vector", "a b", "--trace"]);
    assert_eq!(words(&lines[1]), ["vectors", "run", "x"]);
    assert_eq!(words(&lines[2]), ["cache", "info"]);
}
