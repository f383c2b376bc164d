using System.Text;
using System.Text.RegularExpressions;
using PowerWatch.Agent.Tests.Dashboards;

namespace PowerWatch.Agent.Tests.Docs;

/// <summary>One command line of a shell block in a Markdown file (continuation lines joined, comment cut).</summary>
/// <param name="File">Path relative to the repository root.</param>
/// <param name="Line">1-based line of the command's first line.</param>
/// <param name="Text">The command as written (without its trailing comment).</param>
/// <param name="Words">The command split as a shell would (quotes removed), environment assignments included.</param>
internal sealed record DocCommand(string File, int Line, string Text, IReadOnlyList<string> Words)
{
    public override string ToString() => $"{File}:{Line}: {Text}";

    /// <summary><c>NAME=value</c> words before the program.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        Words.TakeWhile(IsAssignment).ToDictionary(w => w[..w.IndexOf('=', StringComparison.Ordinal)], w => w[(w.IndexOf('=', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

    /// <summary>The program and its arguments (environment assignments and <c>sudo</c> removed).</summary>
    public IReadOnlyList<string> Program
    {
        get
        {
            var rest = Words.SkipWhile(IsAssignment).ToList();
            return rest.Count > 0 && rest[0] == "sudo" ? rest[1..] : rest;
        }
    }

    /// <summary>A synopsis (optional parts in [ ], placeholders in &lt; &gt; or capitals such as PORT): checked, not run.</summary>
    public bool IsSynopsis => Words.Any(w => w.Contains('[', StringComparison.Ordinal) || w.StartsWith('<') || Regex.IsMatch(w, "^[A-Z]{2,}$"));

    private static bool IsAssignment(string word) => Regex.IsMatch(word, "^[A-Za-z_][A-Za-z0-9_]*=");
}

/// <summary>Extracts the shell command blocks (```bash, ```sh, ```shell, ```console) of the repository's Markdown files.</summary>
internal static class DocCommands
{
    private static readonly string[] ShellTags = ["bash", "sh", "shell", "console"];

    public static string Repo => GrafanaDashboards.RepositoryRoot();

    /// <summary>Every Markdown file of the repository (build output, dependencies and git internals excluded), relative paths.</summary>
    public static IReadOnlyList<string> MarkdownFiles() =>
        [.. Directory.EnumerateFiles(Repo, "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => part is "bin" or "obj" or ".git" or "node_modules" or "artifacts" or "TestResults"))
            .Order(StringComparer.Ordinal)];

    /// <summary>The fenced blocks of a Markdown text: (info string, first content line number, lines).</summary>
    public static IEnumerable<(string Tag, int FirstLine, IReadOnlyList<string> Lines)> Blocks(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var tag = lines[i][3..].Trim();
            var start = i + 1;
            var end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }

            yield return (tag, start + 1, lines[start..end]);
            i = end;
        }
    }

    public static bool IsShell(string tag) => ShellTags.Contains(tag, StringComparer.Ordinal);

    /// <summary>The commands of one shell block: comment lines skipped, <c>\</c> continuations joined, trailing comments cut.</summary>
    public static IEnumerable<DocCommand> Commands(string file, int firstLine, IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var start = i;
            var text = new StringBuilder();
            var line = lines[i];
            while (line.TrimEnd().EndsWith('\\') && i + 1 < lines.Count)
            {
                text.Append(line.TrimEnd()[..^1]).Append(' ');
                line = lines[++i];
            }

            text.Append(line);
            var command = CutComment(text.ToString()).Trim();
            if (command.Length > 0)
            {
                yield return new DocCommand(file, firstLine + start, Regex.Replace(command, @"\s+", " "), Split(command));
            }
        }
    }

    /// <summary>Every command of every shell block of the repository's Markdown.</summary>
    public static IReadOnlyList<DocCommand> All() =>
        [.. MarkdownFiles().SelectMany(f => Blocks(File.ReadAllText(Path.Combine(Repo, f)))
            .Where(b => IsShell(b.Tag))
            .SelectMany(b => Commands(f, b.FirstLine, b.Lines)))];

    /// <summary>Text up to an unquoted <c>#</c> that starts a word.</summary>
    internal static string CutComment(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }

        return line;
    }

    /// <summary>Splits a command line into words as a POSIX shell would for the simple cases the docs use (quotes, no expansion).</summary>
    internal static IReadOnlyList<string> Split(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in command)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
