//! The grammar table: one entry per command (GNU coreutils, util-linux, procps, grep, sed,
//! gawk, jq, ripgrep, …), written from the programs' documented option sets. An option
//! missing here makes the command ask (`exec.ask.unknown_option`), never allow.

use super::Effect::{Changes, Network, Program, ProgramFile, ReadsListed, Runs, Writes};
use super::Role::{Changes as ChangesOp, Input, Output, Program as Prog, Subcommand};
use super::{Grammar, GNU};

/// A POSIX grammar (no permutation, no long options) for struct update.
const POSIX: Grammar = Grammar {
    long: "",
    permute: false,
    abbrev: false,
    ..GNU
};

const CHECKSUM_LONG: &str =
    "binary check tag text zero ignore-missing quiet status strict warn untagged \
    base64 raw length= algorithm= debug help version";

const LS_LONG: &str =
    "all almost-all author escape block-size= ignore-backups color? colour? directory \
    dired classify? file-type format= full-time group-directories-first no-group \
    human-readable si dereference-command-line \
    dereference-command-line-symlink-to-dir hide= hyperlink? indicator-style= inode \
    ignore= kibibytes dereference literal numeric-uid-gid hide-control-chars \
    show-control-chars quote-name quoting-style= reverse recursive size sort= time= \
    time-style= tabsize= width= context zero help version";

const GREP_LONG: &str =
    "extended-regexp fixed-strings basic-regexp perl-regexp regexp= file= ignore-case \
    no-ignore-case word-regexp line-regexp null-data no-messages invert-match \
    version help max-count= byte-offset line-number no-line-number line-buffered \
    with-filename no-filename label= only-matching quiet silent binary-files= text \
    directories= devices= recursive dereference-recursive include= exclude= \
    exclude-from= exclude-dir= files-without-match files-with-matches count \
    initial-tab null before-context= after-context= context= color? colour? binary \
    unix-byte-offsets";

const DIFF_LONG: &str =
    "normal brief report-identical-files context? unified? ed rcs side-by-side \
    left-column suppress-common-lines show-c-function show-function-line= label= \
    expand-tabs initial-tab tabsize= suppress-blank-empty paginate recursive \
    no-dereference new-file unidirectional-new-file ignore-file-name-case \
    no-ignore-file-name-case exclude= exclude-from= starting-file= from-file= \
    to-file= ignore-case ignore-tab-expansion ignore-trailing-space \
    ignore-space-change ignore-all-space ignore-blank-lines ignore-matching-lines= \
    text strip-trailing-cr minimal horizon-lines= speed-large-files \
    old-group-format= new-group-format= unchanged-group-format= \
    changed-group-format= line-format= old-line-format= new-line-format= \
    unchanged-line-format= width= color? palette= help version";

const SORT_LONG: &str = "ignore-leading-blanks dictionary-order ignore-case general-numeric-sort \
    ignore-nonprinting month-sort human-numeric-sort numeric-sort random-sort \
    random-source= reverse sort= version-sort batch-size= check? compress-program= \
    debug files0-from= key= merge output= stable buffer-size= field-separator= \
    temporary-directory= parallel= unique zero-terminated help version";

const SED_LONG: &str =
    "quiet silent debug expression= file= follow-symlinks in-place? line-length= \
    posix regexp-extended separate sandbox unbuffered null-data binary help version";

const AWK_LONG: &str =
    "field-separator= assign= file= source= exec= include= load= characters-as-bytes \
    traditional copyright dump-variables? debug? gen-pot help lint? bignum \
    use-lc-numeric non-decimal-data pretty-print? optimize profile? posix \
    re-interval no-optimize sandbox lint-old version csv";

const AWK_EFFECTS: &[(&str, super::Effect)] = &[
    ("f", ProgramFile),
    ("file", ProgramFile),
    ("e", Program),
    ("source", Program),
    ("E", ProgramFile),
    ("exec", ProgramFile),
    ("i", ProgramFile),
    ("include", ProgramFile),
    ("l", Runs),
    ("load", Runs),
    ("d", Writes),
    ("dump-variables", Writes),
    ("o", Writes),
    ("pretty-print", Writes),
    ("p", Writes),
    ("profile", Writes),
    ("D", Runs),
    ("debug", Runs),
    ("W", Runs),
];

const RG_LONG: &str = "regexp= file= after-context= before-context= context= binary no-binary \
    block-buffered line-buffered byte-offset case-sensitive color= colors= column \
    no-column context-separator= no-context-separator count count-matches crlf \
    no-crlf debug trace dfa-size-limit= encoding= no-encoding engine= \
    field-context-separator= field-match-separator= files files-with-matches \
    files-without-match fixed-strings no-fixed-strings follow no-follow generate= \
    glob= glob-case-insensitive no-glob-case-insensitive heading no-heading hidden \
    no-hidden hostname-bin= hyperlink-format= iglob= ignore-case ignore-file= \
    ignore-file-case-insensitive include-zero invert-match json no-json line-number \
    no-line-number line-regexp max-columns= max-columns-preview max-count= \
    max-depth= max-filesize= mmap no-mmap multiline no-multiline multiline-dotall \
    no-config no-ignore no-ignore-dot no-ignore-exclude no-ignore-files \
    no-ignore-global no-ignore-messages no-ignore-parent no-ignore-vcs no-messages \
    no-require-git no-unicode null null-data one-file-system only-matching passthru \
    path-separator= pcre2 no-pcre2 pcre2-version pre= no-pre pre-glob= pretty quiet \
    regex-size-limit= replace= search-zip no-search-zip smart-case sort= sortr= \
    sort-files stats no-stats stop-on-nonmatch text no-text threads= trim no-trim \
    type= type-not= type-add= type-clear= type-list unrestricted vimgrep \
    with-filename no-filename word-regexp auto-hybrid-regex help version";

const JQ_LONG: &str =
    "compact-output null-input exit-status slurp raw-output raw-output0 join-output \
    ascii-output sort-keys color-output monochrome-output raw-input tab indent= \
    unbuffered stream stream-errors seq arg== argjson== slurpfile== rawfile== args \
    jsonargs from-file= library-path= binary debug-dump-disasm debug-trace \
    build-configuration help version";

const YQ_LONG: &str = "colors no-colors exit-status expression= front-matter= from-file= \
    header-preprocess indent= inplace input-format= output-format= null-input no-doc \
    nul-output prettyPrint unwrapScalar split-exp= split-exp-file= tojson verbose \
    raw-output compact-output help version";

const FIND_PREDICATES: &str = "depth maxdepth= mindepth= mount xdev noleaf ignore_readdir_race \
    noignore_readdir_race daystart follow regextype= warn nowarn files0-from= amin= \
    anewer= atime= cmin= cnewer= ctime= empty executable false fstype= gid= group= \
    ilname= iname= inum= ipath= iregex= iwholename= links= lname= mmin= mtime= name= \
    newer= nogroup nouser path= perm= readable regex= samefile= size= true type= \
    uid= used= user= wholename= writable xtype= context= ls print print0 printf= \
    prune quit delete fls= fprint= fprint0= fprintf== exec; execdir; ok; okdir; \
    newermt= newerct= newerat= newermm= newerBt= E x s d help version not and or a o";

const GIT_GLOBAL_LONG: &str =
    "version help exec-path? html-path man-path info-path paginate no-pager git-dir= \
    work-tree= namespace= super-prefix= bare no-replace-objects no-lazy-fetch \
    no-optional-locks no-advice literal-pathspecs glob-pathspecs noglob-pathspecs \
    icase-pathspecs list-cmds= config-env= attr-source=";

/// Every grammar, one entry per command family.
pub static GRAMMARS: &[Grammar] = &[
    Grammar {
        names: &["cat"],
        short: "AbeEnstTuv",
        long: "show-all number-nonblank show-ends number squeeze-blank show-tabs \
            show-nonprinting help version",
        ..GNU
    },
    Grammar {
        names: &["tac"],
        short: "brs:",
        long: "before regex separator= help version",
        ..GNU
    },
    Grammar {
        names: &["nl"],
        short: "b:d:f:h:i:l:n:ps:v:w:",
        long: "body-numbering= section-delimiter= footer-numbering= header-numbering= \
            line-increment= join-blank-lines= number-format= no-renumber number-separator= \
            starting-line-number= number-width= help version",
        ..GNU
    },
    Grammar {
        names: &["head"],
        short: "c:n:qvz",
        long: "bytes= lines= quiet silent verbose zero-terminated help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["tail"],
        short: "c:n:fFqrs:vz",
        long: "bytes= follow? lines= max-unchanged-stats= pid= quiet silent retry \
            sleep-interval= verbose zero-terminated help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["wc"],
        short: "clmwL",
        long: "bytes chars lines words max-line-length files0-from= total= help version",
        // The names in the list are files nothing in the command shows (P4-R33, check 23).
        effects: &[("files0-from", ReadsListed)],
        ..GNU
    },
    Grammar {
        names: &["cut"],
        short: "b:c:d:f:nsz",
        long: "bytes= characters= delimiter= fields= complement only-delimited \
            output-delimiter= zero-terminated help version",
        ..GNU
    },
    Grammar {
        names: &["paste"],
        short: "d:sz",
        long: "delimiters= serial zero-terminated help version",
        ..GNU
    },
    Grammar {
        names: &["rev"],
        short: "0hV",
        long: "zero help version",
        ..GNU
    },
    Grammar {
        names: &["fold"],
        short: "bsw:",
        long: "bytes spaces width= help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["fmt"],
        short: "cp:stuw:g:",
        long: "crown-margin prefix= split-only tagged-paragraph uniform-spacing width= goal= \
            help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["column"],
        short: "c:C:d:eE:H:i:Jl:LnN:o:O:p:r:R:s:tT:W:xhV",
        long: "columns= output-width= table table-name= table-column= table-columns= \
            table-columns-limit= table-order= table-right= table-truncate= table-noextreme= \
            table-wrap= table-hide= table-noheadings table-header-repeat \
            table-header-as-columns keep-empty-lines json tree= tree-id= tree-parent= \
            separator= output-separator= fillrows color? help version",
        ..GNU
    },
    Grammar {
        names: &["expand"],
        short: "it:",
        long: "initial tabs= help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["unexpand"],
        short: "at:",
        long: "all first-only tabs= help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["strings"],
        short: "adfn:t:e:os:wT:U:hv",
        long: "all data print-file-name bytes= radix= encoding= output-separator= \
            include-all-whitespace target= unicode= help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["od"],
        short: "A:j:N:t:vw::abcdfilosxS:DOILBFeH",
        long: "address-radix= skip-bytes= read-bytes= format= output-duplicates width? strings? \
            traditional endian= help version",
        ..GNU
    },
    Grammar {
        names: &["hexdump", "hd"],
        short: "bcCde:f:n:os:vLxX",
        long: "one-byte-octal one-byte-hex one-byte-char canonical two-bytes-decimal format= \
            format-file= color? length= skip= no-squeezing two-bytes-octal two-bytes-hex \
            help version",
        ..GNU
    },
    Grammar {
        names: &["cmp"],
        short: "bi:ln:s",
        long: "print-bytes ignore-initial= verbose bytes= quiet silent help version",
        ..GNU
    },
    Grammar {
        names: &["comm"],
        short: "123z",
        long: "check-order nocheck-order output-delimiter= total zero-terminated help version",
        ..GNU
    },
    Grammar {
        names: &["diff"],
        short: "abBcC:dD:eEfF:hHiI:lL:nNpPqrsS:tTuU:vwWx:X:yZ",
        long: DIFF_LONG,
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &[
            "md5sum",
            "sha1sum",
            "sha224sum",
            "sha256sum",
            "sha384sum",
            "sha512sum",
            "b2sum",
            "cksum",
        ],
        short: "a:bcl:tzw",
        long: CHECKSUM_LONG,
        ..GNU
    },
    Grammar {
        names: &["sum"],
        short: "rs",
        long: "sysv help version",
        ..GNU
    },
    Grammar {
        names: &["stat"],
        short: "Lfc:tFlnqrsx",
        long: "dereference file-system format= printf= terse cached= help version",
        ..GNU
    },
    Grammar {
        names: &["file"],
        short: "bcCdEe:F:f:hiklLm:NnpP:rsSvzZ0",
        long: "brief checking-printout compile exclude= exclude-quiet= extension files-from= \
            separator= mime mime-type mime-encoding keep-going list dereference \
            no-dereference magic-file= no-buffer no-pad print0 preserve-date parameter= raw \
            special-files no-sandbox uncompress uncompress-noreport apple help version",
        // `-C` compiles a magic file next to its source; `-S` parses untrusted files with
        // its seccomp sandbox off (gptme asks on it).
        effects: &[
            ("C", Writes),
            ("compile", Writes),
            ("S", Runs),
            ("no-sandbox", Runs),
        ],
        ..GNU
    },
    Grammar {
        names: &["du"],
        short: "0abBcd:DhHklLmPsSt:xX:",
        long: "null all apparent-size block-size= bytes total max-depth= dereference-args \
            human-readable inodes dereference count-links no-dereference si summarize \
            separate-dirs threshold= time? time-style= exclude-from= exclude= \
            one-file-system files0-from= help version",
        effects: &[("files0-from", ReadsListed)],
        ..GNU
    },
    Grammar {
        names: &["df"],
        short: "aB:cGhHiklmnPTt:vx:Y",
        long: "all block-size= human-readable si inodes local no-sync output? portability \
            print-type sync total type= exclude-type= help version",
        ..GNU
    },
    Grammar {
        names: &["ls", "dir", "vdir"],
        short: "aAbBcCdDfFgGhHiI:klLmnNopqQrRsStT:uUvw:xXZ1",
        long: LS_LONG,
        ..GNU
    },
    Grammar {
        names: &["tree"],
        short: "adlfxL:P:I:o:iqNQpugshDFvtcUrSnCAJXRH:T:",
        long: "noreport charset= filelimit= dirsfirst filesfirst timefmt= du si prune gitignore \
            gitfile= info infofile= matchdirs ignore-case sort= inodes device fflinks \
            hyperlink metafirst fromfile fromtabfile nolinks hintro= houtro= condense help \
            version",
        // `-o FILE` writes the listing; `-R` writes an index file into each directory.
        effects: &[("o", Writes), ("R", Writes)],
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["pwd"],
        short: "LP",
        ..POSIX
    },
    Grammar {
        names: &["whoami", "groups", "arch", "nproc", "true", "false"],
        long: "all ignore= help version",
        ..GNU
    },
    // Which variables it prints is check 23's question (`printenv` alone or a secret name
    // is an environment dump).
    Grammar {
        names: &["printenv"],
        short: "0",
        long: "null help version",
        ..GNU
    },
    Grammar {
        names: &["id"],
        short: "agGnruzZ",
        long: "context group groups name real user zero help version",
        ..GNU
    },
    Grammar {
        names: &["uname"],
        short: "asnrvmpio",
        long: "all kernel-name nodename kernel-release kernel-version machine processor \
            hardware-platform operating-system help version",
        ..GNU
    },
    Grammar {
        names: &["hostname"],
        short: "aAb:dF:fiIsyV",
        long: "alias all-fqdns boot domain file= fqdn long ip-address all-ip-addresses short yp \
            nis help version",
        effects: &[
            ("F", Changes),
            ("file", Changes),
            ("b", Changes),
            ("boot", Changes),
        ],
        roles: &[ChangesOp],
        ..GNU
    },
    Grammar {
        names: &["date"],
        // GNU, plus BSD `-j` (do not set) and `-v` (adjust the shown date).
        short: "d:f:I::jr:Rs:uv:",
        long: "date= file= iso-8601? resolution rfc-email rfc-3339= debug reference= set= \
            universal utc help version",
        effects: &[("s", Changes), ("set", Changes)],
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["uptime"],
        short: "psVr",
        long: "pretty since help version",
        ..GNU
    },
    Grammar {
        names: &["free"],
        short: "bkmgphwltc:s:vL",
        long: "bytes kilo mega giga tera peta kibi mebi gibi tebi pebi human wide lohi total \
            seconds= count= si line committed help version",
        ..GNU
    },
    Grammar {
        names: &["lscpu"],
        short: "abcCeJpsxyB",
        long: "all online offline bytes caches? extended? json parse? sysroot= hex physical \
            output-all help version",
        ..GNU
    },
    Grammar {
        names: &["lsblk"],
        short: "abdDeEfhiIJlmMnNo:OpPrsStTuvwx:yzZQ:",
        long: "all bytes nodeps discard exclude= fs help include= ascii json list perms merge \
            noheadings nvme output= output-all paths pairs raw scsi inverse topology tree? \
            virtio width= sort= dedup= zoned sysroot= filter= highlight= counter= \
            properties-by= list-columns version",
        ..GNU
    },
    Grammar {
        names: &["pgrep"],
        short: "ad:fg:G:ilnoO:P:s:t:u:U:vwxF:LrAcm:",
        long: "list-full delimiter= full pgroup= group= ignore-case list-name newest oldest \
            older= parent= session= terminal= euid= uid= inverse lightweight exact pidfile= \
            logpidfile runstates= ignore-ancestors count ns= nslist= cgroup= env= help \
            version",
        ..GNU
    },
    Grammar {
        names: &["basename"],
        short: "as:z",
        long: "multiple suffix= zero help version",
        ..GNU
    },
    Grammar {
        names: &["dirname"],
        short: "z",
        long: "zero help version",
        ..GNU
    },
    Grammar {
        names: &["realpath"],
        short: "eLmPqsz",
        long: "canonicalize-existing canonicalize-missing logical physical quiet relative-to= \
            relative-base= strip no-symlinks zero help version",
        ..GNU
    },
    Grammar {
        names: &["readlink"],
        short: "efmnqsvz",
        long: "canonicalize canonicalize-existing canonicalize-missing no-newline quiet silent \
            verbose zero help version",
        ..GNU
    },
    Grammar {
        names: &["which"],
        short: "asiVv",
        long: "all skip-alias read-alias skip-functions read-functions skip-dot skip-tilde \
            show-dot show-tilde tty-only help version",
        ..GNU
    },
    Grammar {
        names: &["type"],
        short: "afptP",
        ..POSIX
    },
    Grammar {
        names: &["whereis"],
        short: "bmsuBMSflghV",
        ..POSIX
    },
    Grammar {
        names: &["seq"],
        short: "f:s:w",
        long: "format= separator= equal-width help version",
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["sleep"],
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["tr"],
        short: "cCdst",
        long: "complement delete squeeze-repeats truncate-set1 help version",
        ..GNU
    },
    Grammar {
        names: &["printf"],
        short: "v:",
        // bash's builtin: `-v VAR` assigns instead of printing.
        effects: &[("v", Changes)],
        ..POSIX
    },
    Grammar {
        names: &["jq"],
        short: "cnesrjaSCMRhVf:L:0",
        long: JQ_LONG,
        effects: &[
            ("f", ProgramFile),
            ("from-file", ProgramFile),
            ("L", ProgramFile),
            ("library-path", ProgramFile),
        ],
        roles: &[Prog, Input],
        // jq matches its options exactly: no prefixes.
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["yq"],
        short: "CMe0nNPrijo:p:I:s:f:",
        long: YQ_LONG,
        effects: &[
            ("i", Writes),
            ("inplace", Writes),
            ("s", Writes),
            ("split-exp", Writes),
            ("split-exp-file", Writes),
            ("from-file", ProgramFile),
        ],
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["sort"],
        short: "bcCdfghik:mMno:rRsS:t:T:uVz",
        long: SORT_LONG,
        effects: &[
            ("o", Writes),
            ("output", Writes),
            ("T", Writes),
            ("temporary-directory", Writes),
            ("compress-program", Runs),
            ("files0-from", ReadsListed),
        ],
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["uniq"],
        short: "cdDf:is:uw:z",
        long: "count repeated all-repeated? group? skip-fields= ignore-case skip-chars= unique \
            zero-terminated check-chars= help version",
        roles: &[Input, Output],
        numeric: true,
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["base64"],
        short: "dDiw:b:o:",
        long: "decode ignore-garbage wrap= break= input= output= help version",
        effects: &[("o", Writes), ("output", Writes)],
        roles: &[Input, Output],
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["xxd"],
        short: "abCc:Eeg:hil:n:o:prs:udR:vV",
        // xxd reads single-dash words and matches them by prefix (`-ps`, `-cols 8`).
        long: "autoskip bits capitalize cols= EBCDIC groupsize= help include len= name= offset= \
            postscript plain ps revert decimal seek= uppercase version",
        roles: &[Input, Output],
        permute: false,
        single_dash_long: true,
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["grep", "egrep", "fgrep"],
        short: "A:B:C:D:EFGHIJLOPRSTUVZabcd:e:f:hilm:noqrsuvwxyz",
        long: GREP_LONG,
        effects: &[
            ("e", Program),
            ("regexp", Program),
            ("f", Program),
            ("file", Program),
        ],
        roles: &[Prog, Input],
        numeric: true,
        ..GNU
    },
    Grammar {
        names: &["rg"],
        short: "A:B:C:abcE:e:f:Fg:hHiIj:lLm:M:nNoOpqr:sSt:T:uUvVwxz0d:.",
        long: RG_LONG,
        effects: &[
            ("pre", Runs),
            ("pre-glob", Runs),
            ("z", Runs),
            ("search-zip", Runs),
            ("hostname-bin", Runs),
            ("e", Program),
            ("regexp", Program),
            ("f", Program),
            ("file", Program),
        ],
        roles: &[Prog, Input],
        // ripgrep matches long options exactly.
        abbrev: false,
        strict: true,
        ..GNU
    },
    // fd (clap): `-x`/`--exec` and `-X`/`--exec-batch` run a command per result; `-l`
    // lists through `ls -l` (still read-only); long options match exactly.
    Grammar {
        names: &["fd", "fdfind"],
        short: "HIusigFaLlp01qhVd:t:e:S:E:c:j:x:X:o:C:",
        long: "hidden no-hidden no-ignore ignore no-ignore-vcs ignore-vcs no-ignore-parent \
            no-require-git no-global-ignore-file unrestricted case-sensitive ignore-case glob \
            regex fixed-strings and= absolute-path relative-path list-details follow \
            no-follow full-path print0 max-results= quiet show-errors base-directory= \
            path-separator= search-path= strip-cwd-prefix? one-file-system prune max-depth= \
            min-depth= exact-depth= exclude= type= extension= size= changed-within= \
            changed-before= newer= older= owner= format= exec= exec-batch= batch-size= \
            ignore-file= color= hyperlink? threads= max-buffer-time= help version",
        effects: &[
            ("x", Runs),
            ("exec", Runs),
            ("X", Runs),
            ("exec-batch", Runs),
        ],
        roles: &[Prog, Input],
        abbrev: false,
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["find"],
        short: "HLPD:O::",
        long: FIND_PREDICATES,
        effects: &[
            ("delete", Writes),
            ("fls", Writes),
            ("fprint", Writes),
            ("fprint0", Writes),
            ("fprintf", Writes),
        ],
        abbrev: false,
        single_dash_long: true,
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["sed", "gsed"],
        short: "nrsuzEbe:f:i::l:I::a",
        long: SED_LONG,
        effects: &[
            ("e", Program),
            ("expression", Program),
            ("f", ProgramFile),
            ("file", ProgramFile),
            ("i", Writes),
            ("I", Writes),
            ("in-place", Writes),
        ],
        roles: &[Prog, Input],
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["awk", "gawk", "mawk", "nawk"],
        short: "F:v:f:e:E:i:l:bcCd::D::gho::Op::PrsStLMnNVW:",
        long: AWK_LONG,
        effects: AWK_EFFECTS,
        roles: &[Prog, Input],
        // awk stops reading options at the program text.
        permute: false,
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["git"],
        short: "C:c:hpPv",
        long: GIT_GLOBAL_LONG,
        effects: &[
            ("exec-path", Runs),
            ("p", Runs),
            ("paginate", Runs),
            ("config-env", Changes),
        ],
        roles: &[Subcommand],
        permute: false,
        abbrev: false,
        cluster: false,
        strict: true,
        ..GNU
    },
    Grammar {
        names: &["git clean"],
        short: "dfinqe:xX",
        long: "dry-run force interactive quiet exclude= no-dry-run",
        ..GNU
    },
    Grammar {
        names: &["numfmt"],
        short: "d:z",
        long: "debug delimiter= field= format= from= from-unit= grouping header? invalid= \
            padding= round= suffix= to= to-unit= unit-separator= zero-terminated help \
            version",
        ..GNU
    },
    Grammar {
        names: &["man"],
        short: "aC:dDfhikKlL:m:M:p:P:r:S:s:tT::uwWZE:H::R:",
        long: "all config-file= debug default whatis help ignore-case apropos global-apropos \
            local-file locale= systems= manpath= preprocessor= pager= prompt= sections= \
            troff troff-device? update where path location where-cat location-cat ditroff \
            encoding= html? recode= regex wildcard names-only no-subpages no-hyphenation \
            no-justification match-case usage version",
        // A pager, a browser or a config file that names them runs a program; `-u`
        // updates caches.
        effects: &[
            ("C", Runs),
            ("config-file", Runs),
            ("P", Runs),
            ("pager", Runs),
            ("H", Runs),
            ("html", Runs),
            ("p", Runs),
            ("preprocessor", Runs),
            ("u", Writes),
            ("update", Writes),
            ("R", Writes),
            ("recode", Writes),
        ],
        ..GNU
    },
    Grammar {
        names: &["ss"],
        short: "hVHnraloOpTiemKsEZzNb460txuwSdf:A:D:F:",
        long: "help version no-header numeric resolve all listening options extended memory \
            processes threads info tos cgroup kill summary events context contexts net= bpf \
            ipv4 ipv6 packet tcp udp dccp raw unix sctp vsock tipc xdp mptcp inet-sockopt \
            family= query= socket= diag= filter= oneline",
        // `-K` closes sockets; `-D` dumps to a file.
        effects: &[
            ("K", Changes),
            ("kill", Changes),
            ("D", Writes),
            ("diag", Writes),
        ],
        ..GNU
    },
    Grammar {
        names: &["netstat"],
        short: "aAcCeFgGhiIlLMnNoprsStTuvwWxZ46",
        long: "all continuous extend fib groups interfaces? listening masquerade numeric \
            numeric-hosts numeric-ports numeric-users program route statistics symbolic tcp \
            timers udp udplite unix verbose wide raw protocol= help version",
        ..GNU
    },
    Grammar {
        names: &["lsof"],
        short: "abChlnNOPRtUvVXwQc:d:D:g::i::k:K::L::m:o::p:r::s::S::T::u:x::z::EF::M",
        effects: &[("D", Writes)],
        permute: true,
        ..POSIX
    },
    Grammar {
        names: &["unzip"],
        short: "lvtzZq",
        roles: &[Input],
        ..POSIX
    },
    Grammar {
        names: &["tar"],
        short: "tvf:zjJZaOpSkmhwW",
        long: "list verbose file= gzip gunzip bzip2 xz zstd lzip lzma auto-compress wildcards \
            no-wildcards exclude= numeric-owner totals? full-time utc quoting-style= \
            show-transformed-names ignore-zeros occurrence? anchored no-anchored ignore-case \
            no-ignore-case null files-from= exclude-from= exclude-vcs warning= block-number \
            help version",
        ..GNU
    },
    Grammar {
        names: &["pip list"],
        short: "oudelvqhi:",
        long: "outdated uptodate editable local user path= pre format= not-required \
            exclude-editable include-editable exclude= verbose quiet no-color \
            disable-pip-version-check no-input isolated python= index-url= extra-index-url= \
            no-index help",
        effects: &[
            ("o", Network),
            ("outdated", Network),
            ("u", Network),
            ("uptodate", Network),
            ("i", Network),
            ("index-url", Network),
            ("extra-index-url", Network),
            ("python", Runs),
        ],
        ..GNU
    },
    Grammar {
        names: &["pip show", "pip freeze"],
        short: "flvqhr:",
        long: "files local user path= all exclude-editable exclude= requirement= verbose quiet \
            no-color disable-pip-version-check no-input isolated help",
        ..GNU
    },
    // Binary inspection (binutils): they read object files and print; none writes. nm's
    // `--plugin` loads a shared object, so it is not listed (an unknown option is not
    // read-only).
    Grammar {
        names: &["readelf"],
        short: "ahlSgtesnrudVAcDIWHvzLPTCUXNx:p:R:w::",
        long: "all file-header program-headers segments section-headers sections \
            section-groups section-details headers syms symbols dyn-syms lto-syms sym-base= \
            demangle? no-demangle recurse-limit no-recurse-limit notes relocs unwind dynamic \
            version-info arch-specific archive-index use-dynamic hex-dump= string-dump= \
            relocated-dump= debug-dump? dwarf-depth= dwarf-start= histogram wide help version \
            decompress lint enable-checks got-contents process-links silent-truncation \
            extra-sym-info ctf= ctf-parent= ctf-symbols= ctf-strings= sframe? unicode=",
        ..GNU
    },
    Grammar {
        names: &["objdump"],
        short: "aCdDzfFgehilSprRstTxwHvVLGb:j:m:M:P:E:W::",
        long: "archive-headers target= demangle? disassemble? disassemble-all \
            disassemble-zeroes endian= file-headers file-offsets file-start-context debugging \
            debugging-tags section-headers headers info section= line-numbers source \
            source-comment? architecture= disassembler-options= private-headers private= reloc \
            dynamic-reloc full-contents dwarf? ctf? sframe? stabs syms dynamic-syms all-headers \
            wide start-address= stop-address= prefix-addresses show-raw-insn no-show-raw-insn \
            insn-width= adjust-vma= dwarf-depth= dwarf-start= dwarf-check special-syms prefix= \
            prefix-strip= visualize-jumps? disassembler-color= help version process-links \
            no-addresses",
        ..GNU
    },
    Grammar {
        names: &["nm"],
        short: "aABCDgjlnopPrsSuUvVWhef:t:X:",
        long: "debug-syms print-file-name demangle? no-demangle dynamic format= extern-only help \
            line-numbers numeric-sort no-sort portability reverse-sort print-size print-armap \
            radix= undefined-only defined-only version no-weak size-sort special-syms synthetic \
            target= quiet with-symbol-versions without-symbol-versions unicode= ifunc-chars= \
            no-recurse-limit recurse-limit export-symbols",
        ..GNU
    },
    Grammar {
        names: &["size"],
        short: "ABGodxtVh",
        long: "format= radix= totals common target= help version",
        ..GNU
    },
    // Package queries: listings of what is installed and what the local cache knows. No
    // `-o`/`--option` or `-c`/`--config-file` (apt's `Pre-Invoke` hooks run commands), no
    // `--admindir`/`--root`.
    Grammar {
        names: &["dpkg query"],
        short: "lLsSpWf:",
        long: "list listfiles status search print-avail show get-selections \
            print-architecture print-foreign-architectures no-pager showformat= help version",
        effects: &[],
        ..GNU
    },
    Grammar {
        names: &["apt query"],
        short: "aqfni",
        long: "installed upgradable upgradeable all-versions no-all-versions full names-only \
            important recurse no-recurse quiet? help version",
        ..GNU
    },
    Grammar {
        names: &["jobs"],
        short: "lnprs",
        long: "",
        permute: false,
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["npm ls"],
        short: "aglpw:",
        long: "all json long parseable global depth= omit= include= link package-lock-only \
            unicode workspace= workspaces include-workspace-root install-links prod \
            production dev only=",
        ..GNU
    },
    Grammar {
        names: &["docker compose"],
        short: "f:p:",
        long: "file= project-name= profile= env-file= project-directory= ansi= progress= \
            parallel= compatibility all-resources",
        roles: &[Subcommand],
        permute: false,
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["docker compose ps"],
        short: "aq",
        long: "all format= quiet services filter= status= no-trunc orphans",
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["docker compose logs"],
        short: "tn:",
        long: "no-color no-log-prefix since= until= timestamps tail= index=",
        abbrev: false,
        ..GNU
    },
    Grammar {
        names: &["openssl x509"],
        long: "in= inform= noout text subject issuer dates startdate enddate fingerprint serial \
            hash subject_hash issuer_hash email purpose pubkey modulus ext= nameopt= \
            certopt= checkend= ocspid ocsp_uri alias sha1 sha256 sha384 sha512 md5 noverify \
            help",
        abbrev: false,
        single_dash_long: true,
        roles: &[ChangesOp],
        ..GNU
    },
    Grammar {
        names: &["python -m json.tool"],
        long: "sort-keys indent= tab no-indent compact no-ensure-ascii json-lines help",
        roles: &[Input, Output],
        ..GNU
    },
    Grammar {
        names: &["conda list"],
        short: "n:p:efcr",
        long: "name= prefix= export explicit full-name canonical revisions show-channel-urls \
            md5 no-pip json verbose quiet help",
        ..GNU
    },
    Grammar {
        names: &["command"],
        short: "pvV",
        roles: &[Input],
        ..POSIX
    },
];

/// The grammar of command `name` (a name, or `cmd sub` for subcommand grammars).
pub fn grammar(name: &str) -> Option<&'static Grammar> {
    GRAMMARS
        .iter()
        .find(|g| g.names.iter().any(|n| n.len() == name.len() && *n == name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::tables::READ_ONLY;

    /// Allowlisted commands read without a generic grammar, and why.
    const NO_GRAMMAR: &str = "echo test [ ps systemctl journalctl docker podman kubectl crontab";

    #[test]
    fn every_allowlisted_command_has_a_grammar_or_a_reason() {
        for name in READ_ONLY {
            assert!(
                grammar(name).is_some() || NO_GRAMMAR.contains(name),
                "{name} has no grammar"
            );
        }
    }

    #[test]
    fn grammar_names_are_unique_and_effects_name_options() {
        let mut seen = std::collections::BTreeSet::new();
        for g in GRAMMARS {
            for n in g.names {
                assert!(seen.insert(*n), "{n} twice");
            }
            for (opt, _) in g.effects {
                let short = opt.len() == 1 && g.short.contains(*opt);
                let long =
                    super::super::longs(g).any(|e| e.trim_end_matches(['=', '?', ';']) == *opt);
                assert!(
                    short || long,
                    "{:?}: effect on unknown option {opt}",
                    g.names
                );
            }
        }
    }
}
