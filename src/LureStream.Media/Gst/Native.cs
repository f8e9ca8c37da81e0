using System.Runtime.InteropServices;

namespace LureStream.Media.Gst;

/// <summary>
/// Raw bindings to GLib/GObject/GStreamer (source-generated P/Invoke). Everything here is unsafe plumbing;
/// the rest of the assembly goes through <see cref="GstPipeline"/>, the handles and the helpers.
/// Struct offsets used below are those of the x86_64/aarch64 LP64 ABI of GStreamer 1.x.
/// </summary>
internal static unsafe partial class Native
{
    public const string GLib = "libglib-2.0.so.0";
    public const string GObject = "libgobject-2.0.so.0";
    public const string Gst = "libgstreamer-1.0.so.0";
    public const string GstApp = "libgstapp-1.0.so.0";
    public const string GstVideo = "libgstvideo-1.0.so.0";
    public const string GstPbUtils = "libgstpbutils-1.0.so.0";
    public const string GstRtspServer = "libgstrtspserver-1.0.so.0";

    // ---- enums / constants ----
    public const int GST_STATE_NULL = 1;
    public const int GST_STATE_READY = 2;
    public const int GST_STATE_PAUSED = 3;
    public const int GST_STATE_PLAYING = 4;

    public const int GST_STATE_CHANGE_FAILURE = 0;
    public const int GST_STATE_CHANGE_SUCCESS = 1;
    public const int GST_STATE_CHANGE_ASYNC = 2;
    public const int GST_STATE_CHANGE_NO_PREROLL = 3;

    public const int GST_MESSAGE_EOS = 1 << 0;
    public const int GST_MESSAGE_ERROR = 1 << 1;
    public const int GST_MESSAGE_WARNING = 1 << 2;
    public const int GST_MESSAGE_ASYNC_DONE = 1 << 21;
    public const int GST_MESSAGE_PROGRESS = 1 << 25;
    public const int GST_PROGRESS_TYPE_START = 0;
    public const int GST_PROGRESS_TYPE_CONTINUE = 1;

    public const int GST_FLOW_OK = 0;
    public const int GST_FLOW_FLUSHING = -2;
    public const int GST_FLOW_EOS = -3;

    public const int GST_MAP_READ = 1;
    public const int GST_MAP_WRITE = 2;
    public const ulong GST_CLOCK_TIME_NONE = ulong.MaxValue;
    public const ulong GST_SECOND = 1_000_000_000UL;
    public const ulong GST_MSECOND = 1_000_000UL;

    // struct offsets (LP64)
    public const int MiniObjectSize = 64;
    public const int BufferPtsOffset = MiniObjectSize + 8;       // GstBuffer.pts
    public const int BufferDurationOffset = MiniObjectSize + 24; // GstBuffer.duration
    public const int MessageTypeOffset = MiniObjectSize;         // GstMessage.type
    public const int MessageSrcOffset = MiniObjectSize + 16;     // GstMessage.src
    public const int GErrorMessageOffset = 8;                    // GError.message

    /// <summary>GstMapInfo (104 bytes on LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GstMapInfo
    {
        public IntPtr Memory;
        public int Flags;
        public IntPtr Data;
        public nuint Size;
        public nuint MaxSize;
        public fixed long UserData[4];
        public fixed long Reserved[4];
    }

    /// <summary>Head of GstVideoMeta up to the plane strides.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GstVideoMetaHead
    {
        public int MetaFlags;
        public IntPtr MetaInfo;
        public IntPtr Buffer;
        public int Flags;
        public int Format;
        public uint Id;
        public uint Width;
        public uint Height;
        public uint NPlanes;
        public fixed ulong Offset[4];
        public fixed int Stride[4];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct GList
    {
        public IntPtr Data;
        public IntPtr Next;
        public IntPtr Prev;
    }

    // ---- GLib ----
    [LibraryImport(GLib)] public static partial void g_free(IntPtr mem);
    [LibraryImport(GLib)] public static partial void g_error_free(IntPtr error);
    [LibraryImport(GLib)] public static partial IntPtr g_main_context_new();
    [LibraryImport(GLib)] public static partial void g_main_context_unref(IntPtr context);
    [LibraryImport(GLib)] public static partial IntPtr g_main_context_find_source_by_id(IntPtr context, uint id);
    [LibraryImport(GLib)] public static partial IntPtr g_main_loop_new(IntPtr context, int isRunning);
    [LibraryImport(GLib)] public static partial void g_main_loop_run(IntPtr loop);
    [LibraryImport(GLib)] public static partial void g_main_loop_quit(IntPtr loop);
    [LibraryImport(GLib)] public static partial int g_main_loop_is_running(IntPtr loop);
    [LibraryImport(GLib)] public static partial void g_main_loop_unref(IntPtr loop);
    [LibraryImport(GLib)] public static partial void g_source_destroy(IntPtr source);
    [LibraryImport(GLib)] public static partial IntPtr g_idle_source_new();
    [LibraryImport(GLib)] public static partial void g_source_set_callback(IntPtr source, IntPtr func, IntPtr data, IntPtr notify);
    [LibraryImport(GLib)] public static partial uint g_source_attach(IntPtr source, IntPtr context);
    [LibraryImport(GLib)] public static partial void g_source_unref(IntPtr source);

    // ---- GObject ----
    [LibraryImport(GObject)] public static partial void g_object_unref(IntPtr obj);
    [LibraryImport(GObject)] public static partial IntPtr g_object_ref(IntPtr obj);
    [LibraryImport(GObject, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nuint g_signal_connect_data(IntPtr instance, string signal, IntPtr handler, IntPtr data, IntPtr destroyData, int flags);
    [LibraryImport(GObject)] public static partial void g_signal_handler_disconnect(IntPtr instance, nuint handlerId);

    // ---- GStreamer core ----
    [LibraryImport(Gst)] public static partial int gst_init_check(IntPtr argc, IntPtr argv, out IntPtr error);
    [LibraryImport(Gst)] public static partial void gst_version(out uint major, out uint minor, out uint micro, out uint nano);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_parse_launch(string description, out IntPtr error);
    [LibraryImport(Gst)] public static partial int gst_element_set_state(IntPtr element, int state);
    [LibraryImport(Gst)] public static partial int gst_element_get_state(IntPtr element, out int state, out int pending, ulong timeout);
    [LibraryImport(Gst)] public static partial IntPtr gst_element_get_bus(IntPtr element);
    [LibraryImport(Gst)] public static partial IntPtr gst_element_get_factory(IntPtr element);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_bin_get_by_name(IntPtr bin, string name);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_bin_get_by_name_recurse_up(IntPtr bin, string name);
    [LibraryImport(Gst)] public static partial void gst_object_unref(IntPtr obj);
    [LibraryImport(Gst)] public static partial IntPtr gst_object_ref(IntPtr obj);
    [LibraryImport(Gst)] public static partial IntPtr gst_object_get_name(IntPtr obj);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gst_util_set_object_arg(IntPtr obj, string name, string value);
    [LibraryImport(Gst)] public static partial IntPtr gst_bus_timed_pop_filtered(IntPtr bus, ulong timeout, int types);
    [LibraryImport(Gst)] public static partial void gst_message_parse_error(IntPtr message, out IntPtr error, out IntPtr debug);
    [LibraryImport(Gst)] public static partial void gst_message_parse_warning(IntPtr message, out IntPtr error, out IntPtr debug);
    [LibraryImport(Gst)] public static partial void gst_message_parse_progress(IntPtr message, out int type, out IntPtr code, out IntPtr text);
    [LibraryImport(Gst)] public static partial void gst_mini_object_unref(IntPtr obj);
    [LibraryImport(Gst)] public static partial IntPtr gst_mini_object_ref(IntPtr obj);
    [LibraryImport(Gst)] public static partial IntPtr gst_sample_get_buffer(IntPtr sample);
    [LibraryImport(Gst)] public static partial IntPtr gst_sample_get_caps(IntPtr sample);
    [LibraryImport(Gst)] public static partial int gst_buffer_map(IntPtr buffer, GstMapInfo* info, int flags);
    [LibraryImport(Gst)] public static partial void gst_buffer_unmap(IntPtr buffer, GstMapInfo* info);
    [LibraryImport(Gst)] public static partial IntPtr gst_buffer_new_allocate(IntPtr allocator, nuint size, IntPtr parameters);
    [LibraryImport(Gst)] public static partial nuint gst_buffer_fill(IntPtr buffer, nuint offset, void* src, nuint size);
    [LibraryImport(Gst)] public static partial IntPtr gst_buffer_pool_new();
    [LibraryImport(Gst)] public static partial IntPtr gst_buffer_pool_get_config(IntPtr pool);
    [LibraryImport(Gst)] public static partial void gst_buffer_pool_config_set_params(IntPtr config, IntPtr caps, uint size, uint minBuffers, uint maxBuffers);
    [LibraryImport(Gst)] public static partial int gst_buffer_pool_set_config(IntPtr pool, IntPtr config);
    [LibraryImport(Gst)] public static partial int gst_buffer_pool_set_active(IntPtr pool, int active);
    [LibraryImport(Gst)] public static partial int gst_buffer_pool_acquire_buffer(IntPtr pool, IntPtr* buffer, IntPtr parameters);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_caps_from_string(string caps);
    [LibraryImport(Gst)] public static partial IntPtr gst_caps_get_structure(IntPtr caps, uint index);
    [LibraryImport(Gst)] public static partial uint gst_caps_get_size(IntPtr caps);
    [LibraryImport(Gst)] public static partial IntPtr gst_caps_to_string(IntPtr caps);
    [LibraryImport(Gst)] public static partial IntPtr gst_structure_get_name(IntPtr structure);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int gst_structure_get_int(IntPtr structure, string field, out int value);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int gst_structure_get_fraction(IntPtr structure, string field, out int num, out int den);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_structure_get_string(IntPtr structure, string field);
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_filename_to_uri(string filename, out IntPtr error);

    // ---- registry ----
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_element_factory_find(string name);
    [LibraryImport(Gst)] public static partial IntPtr gst_registry_get();
    [LibraryImport(Gst, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_registry_lookup_feature(IntPtr registry, string name);
    [LibraryImport(Gst)] public static partial uint gst_plugin_feature_get_rank(IntPtr feature);
    [LibraryImport(Gst)] public static partial void gst_plugin_feature_set_rank(IntPtr feature, uint rank);

    // ---- app ----
    [LibraryImport(GstApp)] public static partial IntPtr gst_app_sink_try_pull_sample(IntPtr appsink, ulong timeout);
    [LibraryImport(GstApp)] public static partial int gst_app_sink_is_eos(IntPtr appsink);
    [LibraryImport(GstApp)] public static partial int gst_app_src_push_buffer(IntPtr appsrc, IntPtr buffer);
    [LibraryImport(GstApp)] public static partial int gst_app_src_end_of_stream(IntPtr appsrc);
    [LibraryImport(GstApp)] public static partial void gst_app_src_set_caps(IntPtr appsrc, IntPtr caps);
    [LibraryImport(GstApp)] public static partial ulong gst_app_src_get_current_level_bytes(IntPtr appsrc);

    // ---- video ----
    [LibraryImport(GstVideo)] public static partial IntPtr gst_buffer_get_video_meta(IntPtr buffer);

    // ---- pbutils (discoverer) ----
    [LibraryImport(GstPbUtils)] public static partial IntPtr gst_discoverer_new(ulong timeout, out IntPtr error);
    [LibraryImport(GstPbUtils, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr gst_discoverer_discover_uri(IntPtr discoverer, string uri, out IntPtr error);
    [LibraryImport(GstPbUtils)] public static partial int gst_discoverer_info_get_result(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial ulong gst_discoverer_info_get_duration(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial int gst_discoverer_info_get_live(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial int gst_discoverer_info_get_seekable(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial IntPtr gst_discoverer_info_get_stream_info(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial IntPtr gst_discoverer_info_get_stream_list(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial void gst_discoverer_stream_info_list_free(IntPtr list);
    [LibraryImport(GstPbUtils)] public static partial IntPtr gst_discoverer_stream_info_get_caps(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial IntPtr gst_discoverer_stream_info_get_stream_type_nick(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial uint gst_discoverer_video_info_get_width(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial uint gst_discoverer_video_info_get_height(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial uint gst_discoverer_video_info_get_framerate_num(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial uint gst_discoverer_video_info_get_framerate_denom(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial int gst_discoverer_video_info_is_image(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial uint gst_discoverer_audio_info_get_channels(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial uint gst_discoverer_audio_info_get_sample_rate(IntPtr info);
    [LibraryImport(GstPbUtils)] public static partial IntPtr gst_pb_utils_get_codec_description(IntPtr caps);

    // ---- rtsp server ----
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_server_new();
    [LibraryImport(GstRtspServer, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gst_rtsp_server_set_address(IntPtr server, string address);
    [LibraryImport(GstRtspServer, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gst_rtsp_server_set_service(IntPtr server, string service);
    [LibraryImport(GstRtspServer)] public static partial int gst_rtsp_server_get_bound_port(IntPtr server);
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_server_get_mount_points(IntPtr server);
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_server_get_thread_pool(IntPtr server);
    [LibraryImport(GstRtspServer)] public static partial void gst_rtsp_thread_pool_set_max_threads(IntPtr pool, int max);
    [LibraryImport(GstRtspServer)] public static partial uint gst_rtsp_server_attach(IntPtr server, IntPtr context);
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_server_create_source(IntPtr server, IntPtr cancellable, out IntPtr error);
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_server_client_filter(IntPtr server, IntPtr func, IntPtr userData);
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_media_factory_new();
    [LibraryImport(GstRtspServer, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gst_rtsp_media_factory_set_launch(IntPtr factory, string launch);
    [LibraryImport(GstRtspServer)] public static partial void gst_rtsp_media_factory_set_shared(IntPtr factory, int shared);
    [LibraryImport(GstRtspServer, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gst_rtsp_mount_points_add_factory(IntPtr mounts, string path, IntPtr factory);
    [LibraryImport(GstRtspServer)] public static partial IntPtr gst_rtsp_media_get_element(IntPtr media);
    [LibraryImport(GstRtspServer)] public static partial int gst_rtsp_media_unprepare(IntPtr media);
    [LibraryImport(GLib)] public static partial void g_list_free(IntPtr list);
}
