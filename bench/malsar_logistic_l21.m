% malsar_logistic_l21.m -- the peer of bench_cert's logistic case: MALSAR's
% Logistic_L21 with its default options (zero start, tol 1e-4 on the
% relative objective change, at most 1000 iterations) at rho1 = 0.1 on
% School with each task's scores binarized as bench_cert.c does (+1 above
% the task's median, -1 at or below it).  Prints the best-of-REPS CPU
% seconds, the iterations and the objective, recomputed here.
%
%   octave-cli bench/malsar_logistic_l21.m MALSAR_DIR SCHOOL.mat [REPS=3]
%   (MALSAR_DIR: the folder holding MALSAR's functions/ and utils/)
args = argv();
malsar = args{1};
school = args{2};
reps = 3;
if numel(args) > 2
  reps = str2double(args{3});
end
addpath(genpath(malsar));
s = load(school);
T = numel(s.X);
Y = cell(1, T);
for t = 1:T
  y = s.Y{t};
  b = -ones(size(y));
  for i = 1:numel(y)
    if sum(y < y(i)) >= sum(y > y(i))
      b(i) = 1;
    end
  end
  Y{t} = b;
end
best = Inf;
for r = 1:reps
  t0 = cputime();
  [W, C, funcVal] = Logistic_L21(s.X, Y, 0.1);
  best = min(best, cputime() - t0);
end
F = 0.1 * sum(sqrt(sum(W .^ 2, 2)));
for t = 1:T
  m = -Y{t} .* (s.X{t} * W(:, t) + C(t));
  F = F + mean(max(m, 0) + log1p(exp(-abs(m))));
end
printf('malsar Logistic_L21 rho1 0.1, default opts: %d iterations, %.3f s CPU (best of %d), objective %.12g (its last funcVal %.12g)\n', ...
       numel(funcVal), best, reps, F, funcVal(end));
