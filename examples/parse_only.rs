//! Benchmark baseline: parse every `*.sh` file under the given directories with
//! tree-sitter-bash on all threads (one parser per thread) and count the nodes.
//! opslint's own time is compared with this in `bench/run`.
//!
//! cargo run --release --example parse_only -- DIR...

use rayon::prelude::*;
use std::cell::RefCell;

thread_local! {
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new({
        let mut p = tree_sitter::Parser::new();
        p.set_language(&tree_sitter_bash::LANGUAGE.into()).expect("language");
        p
    });
}

fn main() {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        for entry in ignore::WalkBuilder::new(dir).build().flatten() {
            if entry.path().extension().is_some_and(|e| e == "sh") {
                files.push(entry.into_path());
            }
        }
    }
    let nodes: usize = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return 0;
            };
            PARSER.with(|p| {
                let tree = p.borrow_mut().parse(&text, None);
                tree.map_or(0, |t| {
                    let mut cursor = t.walk();
                    let mut count = 0;
                    'walk: loop {
                        count += 1;
                        if cursor.goto_first_child() || cursor.goto_next_sibling() {
                            continue;
                        }
                        loop {
                            if !cursor.goto_parent() {
                                break 'walk;
                            }
                            if cursor.goto_next_sibling() {
                                break;
                            }
                        }
                    }
                    count
                })
            })
        })
        .sum();
    println!("{} files, {} nodes", files.len(), nodes);
}
