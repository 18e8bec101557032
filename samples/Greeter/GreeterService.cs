using ForkHost;
using Grpc.Core;

namespace Greeter;

/// <summary>greet.Greeter: one unary call.</summary>
public sealed class GreeterService(WorkerContext worker) : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) => Task.FromResult(new HelloReply
    {
        Message = $"Hello {(string.IsNullOrEmpty(request.Name) ? "world" : request.Name)} from worker {worker.WorkerId} (pid {Environment.ProcessId})",
        Pid = Environment.ProcessId,
        WorkerId = worker.WorkerId,
        Protocol = context.GetHttpContext().Request.Protocol,
    });
}
