/** How many users the seed has (ids 1-1020 without every 51st). */
export const MONOLITH_SEED_USERS = 1000;

/**
 * The seed's monolith (Career Copilot's tables as the FastAPI backend has them): the users table (auth and non-auth
 * columns) and tables that refer to users by id. The auth data split's integration test, the live promotion and
 * `npm run local -- --node` start from it.
 */
export const MONOLITH_SEED = `
CREATE TABLE public.users (
    id SERIAL PRIMARY KEY,
    email VARCHAR(255) UNIQUE NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    full_name VARCHAR(255),
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE public.user_preferences (user_id INTEGER PRIMARY KEY REFERENCES public.users (id), preferences JSONB NOT NULL);
CREATE TABLE public.jobs (id SERIAL PRIMARY KEY, title TEXT NOT NULL, company TEXT NOT NULL, created_at TIMESTAMP NOT NULL);
CREATE TABLE public.applications (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES public.users (id),
    job_id INTEGER NOT NULL REFERENCES public.jobs (id),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- ${MONOLITH_SEED_USERS} users with gaps in their ids (deleted users), some inactive, some never updated (NULL), one quote.
INSERT INTO public.users (id, email, hashed_password, full_name, is_active, created_at, updated_at)
SELECT i,
       CASE WHEN i = 7 THEN 'o''brien+7@example.com' ELSE format('user%s@example.com', i) END,
       '$2b$12$' || md5('password' || i),
       format('User %s', i),
       i % 17 <> 0,
       timestamp '2024-01-01' + i * interval '37 minutes',
       CASE WHEN i % 5 = 0 THEN NULL ELSE timestamp '2024-06-01' + i * interval '11 minutes' END
FROM generate_series(1, 1020) AS i
WHERE i % 51 <> 0;
SELECT setval('public.users_id_seq', 1020);
INSERT INTO public.user_preferences SELECT id, jsonb_build_object('remote', id % 2 = 0) FROM public.users;
INSERT INTO public.jobs (title, company, created_at)
SELECT format('Engineer %s', i), format('Company %s', i % 40), timestamp '2024-02-01' + i * interval '1 hour' FROM generate_series(1, 200) AS i;
INSERT INTO public.applications (user_id, job_id, status, created_at)
SELECT u.id, 1 + (u.id * 7 + k) % 200, (ARRAY['applied', 'interview', 'offer', 'rejected'])[1 + (u.id + k) % 4], timestamp '2024-03-01' + u.id * interval '5 minutes'
FROM public.users AS u CROSS JOIN generate_series(1, 3) AS k;
`;
