//! Prints tree-sitter-bash's syntax tree of a file (a debugging aid for the
//! shell front-end): `cargo run --example ts_tree -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: ts_tree FILE");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .expect("compatible grammar");
    let tree = parser.parse(&text, None).expect("a tree");
    let mut cursor = tree.walk();
    let mut depth = 0;
    loop {
        let node = cursor.node();
        let field = cursor.field_name().map(|f| format!("{f}: ")).unwrap_or_default();
        let p = node.start_position();
        let excerpt: String = text[node.byte_range()].chars().take(40).collect();
        println!(
            "{:indent$}{field}{}{} [{}:{}] {:?}",
            "",
            if node.is_missing() { "MISSING " } else { "" },
            node.kind(),
            p.row + 1,
            p.column + 1,
            excerpt,
            indent = depth * 2
        );
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
            depth -= 1;
        }
    }
}
