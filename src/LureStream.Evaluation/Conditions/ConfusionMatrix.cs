using System.Globalization;
using System.Text;

namespace LureStream.Evaluation.Conditions;

/// <summary>Counts of (true class, predicted class) pairs: rows are the truth, columns the prediction.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    public ConfusionMatrix(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("a confusion matrix needs at least one class", nameof(labels));
        }
        Labels = labels.ToArray();
        _counts = new int[Labels.Count, Labels.Count];
    }

    public IReadOnlyList<string> Labels { get; }

    public int this[int truth, int predicted] => _counts[truth, predicted];

    public int Total { get; private set; }

    public int Correct
    {
        get
        {
            int c = 0;
            for (int i = 0; i < Labels.Count; i++)
            {
                c += _counts[i, i];
            }
            return c;
        }
    }

    /// <summary>Correct / total (0 when empty).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    public void Add(int truth, int predicted)
    {
        _counts[truth, predicted]++;
        Total++;
    }

    public void Add(string truth, string predicted) => Add(IndexOf(truth), IndexOf(predicted));

    public int IndexOf(string label)
    {
        for (int i = 0; i < Labels.Count; i++)
        {
            if (Labels[i] == label)
            {
                return i;
            }
        }
        throw new ArgumentException($"unknown class '{label}' (classes: {string.Join(", ", Labels)})", nameof(label));
    }

    /// <summary>How many samples truly are <paramref name="index"/>.</summary>
    public int RowTotal(int index)
    {
        int row = 0;
        for (int j = 0; j < Labels.Count; j++)
        {
            row += _counts[index, j];
        }
        return row;
    }

    /// <summary>Fraction of true <paramref name="index"/> samples predicted as such (0 when there are none).</summary>
    public double Recall(int index)
    {
        int row = RowTotal(index);
        return row == 0 ? 0 : (double)_counts[index, index] / row;
    }

    /// <summary>Fraction of samples predicted as <paramref name="index"/> that truly are.</summary>
    public double Precision(int index)
    {
        int col = 0;
        for (int i = 0; i < Labels.Count; i++)
        {
            col += _counts[i, index];
        }
        return col == 0 ? 0 : (double)_counts[index, index] / col;
    }

    /// <summary>A Markdown table (rows true, columns predicted, plus recall) and an accuracy line.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("| true \\ predicted |");
        foreach (var l in Labels)
        {
            sb.Append(' ').Append(l).Append(" |");
        }
        sb.AppendLine(" recall |");
        sb.Append("| --- |");
        for (int j = 0; j < Labels.Count; j++)
        {
            sb.Append(" ---: |");
        }
        sb.AppendLine(" ---: |");
        for (int i = 0; i < Labels.Count; i++)
        {
            sb.Append("| ").Append(Labels[i]).Append(" |");
            for (int j = 0; j < Labels.Count; j++)
            {
                sb.Append(' ').Append(_counts[i, j].ToString(inv)).Append(" |");
            }
            // A class with no samples (no real over-exposed frames, say) has no recall, not a recall of 0 %.
            sb.Append(' ').Append(RowTotal(i) == 0 ? "–" : Recall(i).ToString("P1", inv)).AppendLine(" |");
        }
        sb.AppendLine();
        sb.Append("Accuracy: ").Append(Accuracy.ToString("P2", inv)).Append(" (").Append(Correct.ToString(inv)).Append('/').Append(Total.ToString(inv)).AppendLine(")");
        return sb.ToString();
    }

    public override string ToString() => ToMarkdown();
}
