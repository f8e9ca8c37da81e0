namespace LureStream.TestSupport;

/// <summary>
/// A BERT-style vocabulary laid out like <c>bert-base-uncased</c>'s vocab.txt: [PAD] at 0,
/// [unusedN] fillers, [UNK]/[CLS]/[SEP]/[MASK] at 100–103, single punctuation, digits and letters
/// from 999, then whole words and <c>##</c> continuation pieces. Entries not listed are
/// [unusedN] filler lines, so ids equal line indices exactly as in the real file.
/// </summary>
public static class BertTestVocabulary
{
    public const int Pad = 0;
    public const int Unk = 100;
    public const int Cls = 101;
    public const int Sep = 102;
    public const int Mask = 103;

    // single characters
    public const int Exclamation = 999;
    public const int Dollar = 1002;
    public const int Comma = 1010;
    public const int Period = 1012;
    public const int LeftBracket = 1031;
    public const int RightBracket = 1033;
    public const int Caret = 1034;
    public const int Backtick = 1036;
    public const int LetterA = 1037;
    public const int LetterB = 1038;
    public const int InvertedQuestion = 1067; // ¿
    public const int EmDash = 1068;           // —
    public const int SmallSigma = 1069;       // σ
    public const int FinalSigma = 1070;       // ς
    public const int Zhong = 1071;            // 中
    public const int Guo = 1072;              // 国
    public const int Gae = 1073;              // 豈 U+8C48 (canonical form of U+F900)
    public const int JamoH = 1074;            // ᄒ U+1112
    public const int Grin = 1075;             // 😀 U+1F600
    public const int DeseretLongI = 1076;     // 𐐨 U+10428 (lower case of U+10400)
    public const int Alpha = 1077;            // α
    public const int LetterX = 1060;

    // words and pieces
    public const int The = 1996;
    public const int SuffixS = 2015;
    public const int World = 2088;
    public const int Image = 3746;
    public const int SuffixAble = 3085;
    public const int Un = 4895;
    public const int Hundred = 5000;          // "100"
    public const int Hello = 7592;
    public const int Cafe = 7668;
    public const int SuffixAff = 10354;
    public const int Naive = 15743;
    public const int SuffixWorld = 16000;
    public const int Istanbul = 16001;
    public const int Odos = 16002;            // οδος
    public const int SuffixA = 16003;         // ##a
    public const int SuffixGrin = 16004;      // ##😀
    public const int SuffixJamoA = 16005;     // ##ᅡ U+1161
    public const int SuffixJamoN = 16006;     // ##ᆫ U+11AB
    public const int MaskWord = 16007;        // "mask"
    public const int Ang = 16008;
    public const int SuffixStrom = 16009;
    public const int CasedHello = 16011;      // "Hello" (only reachable without lower-casing)
    public const int CasedCafe = 16012;       // "Café" precomposed (only reachable without accent stripping)
    public const int SuffixMarks = 16013;     // "##" U+1D165 U+302E (spacing marks in canonical order)
    public const int Size = 16014;

    public static string[] Build()
    {
        var tokens = new string?[Size];
        tokens[Pad] = "[PAD]";
        tokens[Unk] = "[UNK]";
        tokens[Cls] = "[CLS]";
        tokens[Sep] = "[SEP]";
        tokens[Mask] = "[MASK]";

        // 999 … 1066: ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ? @ [ \ ] ^ _ ` a-z { | } ~
        int id = 999;
        for (char c = '!'; c <= '~'; c++)
        {
            if (c is >= 'A' and <= 'Z')
            {
                continue;
            }

            tokens[id++] = c.ToString();
        }

        tokens[InvertedQuestion] = "\u00BF";
        tokens[EmDash] = "\u2014";
        tokens[SmallSigma] = "\u03C3";
        tokens[FinalSigma] = "\u03C2";
        tokens[Zhong] = "\u4E2D";
        tokens[Guo] = "\u56FD";
        tokens[Gae] = "\u8C48";
        tokens[JamoH] = "\u1112";
        tokens[Grin] = "\U0001F600";
        tokens[DeseretLongI] = "\U00010428";
        tokens[Alpha] = "\u03B1";

        tokens[The] = "the";
        tokens[SuffixS] = "##s";
        tokens[World] = "world";
        tokens[Image] = "image";
        tokens[SuffixAble] = "##able";
        tokens[Un] = "un";
        tokens[Hundred] = "100";
        tokens[Hello] = "hello";
        tokens[Cafe] = "cafe";
        tokens[SuffixAff] = "##aff";
        tokens[Naive] = "naive";
        tokens[SuffixWorld] = "##world";
        tokens[Istanbul] = "istanbul";
        tokens[Odos] = "\u03BF\u03B4\u03BF\u03C2";
        tokens[SuffixA] = "##a";
        tokens[SuffixGrin] = "##\U0001F600";
        tokens[SuffixJamoA] = "##\u1161";
        tokens[SuffixJamoN] = "##\u11AB";
        tokens[MaskWord] = "mask";
        tokens[Ang] = "ang";
        tokens[SuffixStrom] = "##strom";
        tokens[CasedHello] = "Hello";
        tokens[CasedCafe] = "Caf\u00E9";
        tokens[SuffixMarks] = "##\U0001D165\u302E";

        int unused = 0;
        var result = new string[Size];
        for (int i = 0; i < Size; i++)
        {
            result[i] = tokens[i] ?? $"[unused{unused++}]";
        }

        return result;
    }
}
