using LureStream.Core.Frames;
using LureStream.Media.Gst;
using LureStream.Media.Sinks;
using Xunit;

namespace LureStream.Media.Tests;

/// <summary>
/// The hardware codec choice as a function of the element factories GStreamer has: desktop nvcodec, Jetson, a data
/// centre GPU with NVDEC but no NVENC, and none (where the pipelines must stay exactly the software ones).
/// </summary>
[Collection(GstCollection.Name)]
public sealed class HardwareVideoTests : GstTest
{
    private const string X264 = "video/x-raw,format=I420 ! x264enc speed-preset=ultrafast tune=zerolatency key-int-max=25";

    private static VideoCodecPlan Choose(HardwareVideoMode mode, params string[] elements) =>
        HardwareVideo.Choose(mode, new HashSet<string>(elements));

    [Fact]
    public void Without_NVIDIA_elements_the_fragments_are_the_software_pipelines()
    {
        var plan = Choose(HardwareVideoMode.Auto);
        Assert.Equal((VideoCodecFamily.Software, VideoCodecFamily.Software), (plan.Decoder, plan.Encoder));
        Assert.Equal("decodebin", plan.Decode);
        Assert.Equal(X264 + " bitrate=4000", plan.H264Encoder(25, 4000));
        Assert.Equal(X264, plan.H264Encoder(25, 0));
        Assert.Empty(plan.DemoteDecoders);
        Assert.Empty(plan.PromoteDecoders);
        Assert.Contains("software", plan.Description);
    }

    [Fact]
    public void Desktop_nvcodec_encodes_with_NVENC_and_ranks_NVDEC_first()
    {
        var plan = Choose(HardwareVideoMode.Auto, "nvh264enc", "nvh264dec", "nvh265dec", "nvjpegdec");
        Assert.Equal((VideoCodecFamily.NvCodec, VideoCodecFamily.NvCodec), (plan.Decoder, plan.Encoder));
        Assert.Equal("decodebin", plan.Decode);
        Assert.Equal("video/x-raw,format=NV12 ! nvh264enc gop-size=25 bitrate=4000", plan.H264Encoder(25, 4000));
        Assert.Equal("video/x-raw,format=NV12 ! nvh264enc gop-size=50", plan.H264Encoder(50, 0));
        Assert.Equal(["nvh264dec", "nvh265dec", "nvjpegdec"], plan.PromoteDecoders);
        Assert.Empty(plan.DemoteDecoders);
        Assert.Contains("NVDEC", plan.Description);
        Assert.Contains("nvh264enc", plan.Description);

        // GStreamer builds that register only the CUDA-mode encoder.
        Assert.Equal("nvcudah264enc", Choose(HardwareVideoMode.Auto, "nvcudah264enc").EncoderElement);
    }

    [Fact]
    public void A_GPU_with_NVDEC_and_no_NVENC_decodes_on_the_GPU_and_encodes_with_x264()
    {
        // H100/A100-class cards have no NVENC: the nvcodec plugin registers decoders only.
        var plan = Choose(HardwareVideoMode.Auto, "nvh264dec", "nvh265dec");
        Assert.Equal((VideoCodecFamily.NvCodec, VideoCodecFamily.Software), (plan.Decoder, plan.Encoder));
        Assert.Equal(X264 + " bitrate=2000", plan.H264Encoder(25, 2000));
    }

    [Fact]
    public void Jetson_decodes_through_nvvidconv_and_encodes_with_nvv4l2h264enc_in_bits_per_second()
    {
        var plan = Choose(HardwareVideoMode.Auto, "nvv4l2decoder", "nvv4l2h264enc", "nvvidconv");
        Assert.Equal((VideoCodecFamily.Jetson, VideoCodecFamily.Jetson), (plan.Decoder, plan.Encoder));
        Assert.Equal("decodebin ! nvvidconv ! video/x-raw", plan.Decode);
        Assert.Equal("video/x-raw,format=I420 ! nvvidconv ! video/x-raw(memory:NVMM),format=I420 ! nvv4l2h264enc iframeinterval=25 insert-sps-pps=true bitrate=4000000",
            plan.H264Encoder(25, 4000));
        Assert.Equal(["nvv4l2decoder"], plan.PromoteDecoders);

        // Without nvvidconv nothing can feed or read the NVMM buffers: software.
        var noConverter = Choose(HardwareVideoMode.Auto, "nvv4l2decoder", "nvv4l2h264enc");
        Assert.Equal((VideoCodecFamily.Software, VideoCodecFamily.Software), (noConverter.Decoder, noConverter.Encoder));
        Assert.Equal(["nvv4l2decoder"], noConverter.DemoteDecoders);
    }

    [Fact]
    public void Off_forces_software_and_keeps_NVIDIA_decoders_out_of_decodebin()
    {
        var plan = Choose(HardwareVideoMode.Off, "nvh264enc", "nvh264dec", "nvv4l2decoder", "nvvidconv");
        Assert.Equal((VideoCodecFamily.Software, VideoCodecFamily.Software), (plan.Decoder, plan.Encoder));
        Assert.Equal("decodebin", plan.Decode);
        Assert.Equal(X264 + " bitrate=4000", plan.H264Encoder(25, 4000));
        Assert.Equal(["nvh264dec", "nvv4l2decoder"], plan.DemoteDecoders);
        Assert.Contains("off", plan.Description);
    }

    [Fact]
    public void A_forced_family_is_used_where_present_and_fails_clearly_where_absent()
    {
        var nvcodec = Choose(HardwareVideoMode.NvCodec, "nvh264enc", "nvh264dec", "nvv4l2decoder", "nvv4l2h264enc", "nvvidconv");
        Assert.Equal((VideoCodecFamily.NvCodec, VideoCodecFamily.NvCodec), (nvcodec.Decoder, nvcodec.Encoder));
        Assert.Equal(["nvv4l2decoder"], nvcodec.DemoteDecoders);

        var jetson = Choose(HardwareVideoMode.Jetson, "nvv4l2h264enc", "nvvidconv");
        Assert.Equal((VideoCodecFamily.Software, VideoCodecFamily.Jetson), (jetson.Decoder, jetson.Encoder));

        var e = Assert.Throws<MediaException>(() => Choose(HardwareVideoMode.NvCodec));
        Assert.Contains("nvh264enc", e.Message);
        e = Assert.Throws<MediaException>(() => Choose(HardwareVideoMode.Jetson, "nvh264enc", "nvh264dec"));
        Assert.Contains("nvv4l2h264enc", e.Message);
    }

    [Theory]
    [InlineData("auto", HardwareVideoMode.Auto)]
    [InlineData(null, HardwareVideoMode.Auto)]
    [InlineData("OFF", HardwareVideoMode.Off)]
    [InlineData("nvcodec", HardwareVideoMode.NvCodec)]
    [InlineData("jetson", HardwareVideoMode.Jetson)]
    public void Modes_parse_from_config(string? text, HardwareVideoMode mode) => Assert.Equal(mode, HardwareVideo.ParseMode(text));

    [Fact]
    public void An_unknown_mode_names_the_choices() =>
        Assert.Contains("auto, off, nvcodec, jetson", Assert.Throws<MediaException>(() => HardwareVideo.ParseMode("vaapi")).Message);

    [Fact]
    public void This_machines_registry_decides_and_the_sinks_use_its_plan()
    {
        var available = GstRegistry.AvailableElements(HardwareVideo.Candidates);
        foreach (var name in HardwareVideo.Candidates)
        {
            // Present exactly when the registry has a feature of that name.
            Assert.Equal(available.Contains(name), GstRegistry.RankOf(name) is not null);
        }
        HardwareVideo.Configure(HardwareVideoMode.Auto);
        var plan = HardwareVideo.Current;
        var expected = HardwareVideo.Choose(HardwareVideoMode.Auto, available);
        Assert.Equal((expected.Decoder, expected.Encoder, expected.EncoderElement, expected.Description),
            (plan.Decoder, plan.Encoder, plan.EncoderElement, plan.Description));
        Assert.Equal(expected.DemoteDecoders, plan.DemoteDecoders);
        Assert.Equal(expected.PromoteDecoders, plan.PromoteDecoders);

        using var file = new VideoFileSink(PathIn("a.mkv"), new VideoFileSinkOptions { FrameRate = 25, BitrateKbps = 3000 });
        string downstream = file.DescribeDownstream(640, 512, PixelFormat.Rgb24);
        Assert.Equal($"videoconvert ! {plan.H264Encoder(25, 3000)} ! h264parse ! matroskamux ! filesink name=out sync=false", downstream);
        using var rtsp = new RtspServerSink(new RtspServerOptions { Port = 0, FrameRate = 10 });
        string launch = rtsp.BuildLaunch();
        Assert.Contains($"! videoconvert ! video/x-raw,format=RGB ! videoconvert ! {plan.H264Encoder(10, 0)} ! rtph264pay", launch);
        if (plan.Encoder == VideoCodecFamily.Software)
        {
            // The software pipelines are byte for byte what they were before hardware codecs existed.
            Assert.Equal("videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=ultrafast tune=zerolatency key-int-max=25 bitrate=3000 ! h264parse ! matroskamux ! filesink name=out sync=false",
                downstream);
            Assert.Equal("( appsrc name=src is-live=true format=time do-timestamp=true block=false leaky-type=downstream max-bytes=4000000 " +
                "! videoconvert ! video/x-raw,format=RGB ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=ultrafast tune=zerolatency key-int-max=10 " +
                "! rtph264pay name=pay0 pt=96 config-interval=1 )", launch);
        }
        if (plan.Decoder == VideoCodecFamily.Software)
        {
            Assert.Equal("decodebin", plan.Decode);
        }
    }

    [Fact]
    public void Ranks_are_read_and_raised_in_the_registry()
    {
        // A decoder no test decodes with; restored afterwards.
        string name = new[] { "theoradec", "vp8dec", "vorbisdec" }.First(n => GstRegistry.RankOf(n) is not null);
        uint original = GstRegistry.RankOf(name)!.Value;
        try
        {
            GstRegistry.RaiseRank(name, original + 7);
            Assert.Equal(original + 7, GstRegistry.RankOf(name));
            GstRegistry.RaiseRank(name, original);                 // raising never lowers
            Assert.Equal(original + 7, GstRegistry.RankOf(name));
            GstRegistry.SetRank(name, GstRegistry.RankNone);
            Assert.Equal(GstRegistry.RankNone, GstRegistry.RankOf(name));
        }
        finally
        {
            GstRegistry.SetRank(name, original);
        }
        Assert.Null(GstRegistry.RankOf("no-such-element-lurestream"));
    }
}
