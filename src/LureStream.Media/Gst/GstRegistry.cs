namespace LureStream.Media.Gst;

/// <summary>Questions to GStreamer's element registry: which factories exist, and their ranks (decodebin's order).</summary>
internal static class GstRegistry
{
    public const uint RankNone = 0;
    public const uint RankPrimary = 256;

    /// <summary>The names among <paramref name="names"/> that have an element factory here.</summary>
    public static HashSet<string> AvailableElements(IEnumerable<string> names)
    {
        GstRuntime.EnsureInitialized();
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            IntPtr factory = Native.gst_element_factory_find(name);
            if (factory != IntPtr.Zero)
            {
                found.Add(name);
                Native.gst_object_unref(factory);
            }
        }
        return found;
    }

    public static void SetRank(string name, uint rank)
    {
        IntPtr feature = Native.gst_registry_lookup_feature(Native.gst_registry_get(), name);
        if (feature != IntPtr.Zero)
        {
            Native.gst_plugin_feature_set_rank(feature, rank);
            Native.gst_object_unref(feature);
        }
    }

    public static void RaiseRank(string name, uint rank)
    {
        IntPtr feature = Native.gst_registry_lookup_feature(Native.gst_registry_get(), name);
        if (feature != IntPtr.Zero)
        {
            if (Native.gst_plugin_feature_get_rank(feature) < rank)
            {
                Native.gst_plugin_feature_set_rank(feature, rank);
            }
            Native.gst_object_unref(feature);
        }
    }

    /// <summary>The rank of a factory, or null when there is none.</summary>
    public static uint? RankOf(string name)
    {
        GstRuntime.EnsureInitialized();
        IntPtr feature = Native.gst_registry_lookup_feature(Native.gst_registry_get(), name);
        if (feature == IntPtr.Zero)
        {
            return null;
        }
        uint rank = Native.gst_plugin_feature_get_rank(feature);
        Native.gst_object_unref(feature);
        return rank;
    }
}
